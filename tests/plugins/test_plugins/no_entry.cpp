// A valid shared object that is not an automl plugin.
extern "C" int not_a_plugin() { return 42; }
