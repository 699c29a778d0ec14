#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) { return automl::cli::main(argc, argv, std::cout, std::cerr); }
