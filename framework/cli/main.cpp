// The automl executable: the command line of commands.cpp on the process's streams.

#include <iostream>

#include "automl/parallel.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  automl::tune_allocator();
  return automl::cli::main(argc, argv, std::cout, std::cerr);
}
