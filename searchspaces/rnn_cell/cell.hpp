#pragma once
// The NAO / DARTS recurrent cell for language models (NAO reference §1.4):
// an initial highway state s0 from the input and the previous hidden state,
// then 11 nodes; node i (0-based) picks a predecessor among states 0..i and
// an activation, and the cell's output averages its states.
//
// Integer form: 22 numbers "pred act" per node, e.g. the NAONet PTB cell
// "0 1 1 1 2 2 1 2 4 1 4 1 4 1 7 1 8 2 1 0 4 1". Genes are those numbers.

#include <string>
#include <vector>

#include "automl/architecture.hpp"

namespace rnn {

constexpr int kNodes = 11;  ///< nodes after s0; 12 states in all
const std::vector<std::string>& activations();  ///< tanh, relu, sigmoid, identity

/// Node i's predecessor and activation.
inline int pred_of(const automl::Architecture& a, int node) { return a.genes.at(2 * node); }
inline int act_of(const automl::Architecture& a, int node) { return a.genes.at(2 * node + 1); }

/// "0 1 1 1 ..." (22 numbers).
std::string integer_form(const automl::Architecture& arch);
/// "s1 = relu(s0), s2 = relu(s1), ...".
std::string readable_form(const automl::Architecture& arch);
/// Either form, or a name (naonet_ptb); throws ConfigError saying what was expected.
automl::Architecture parse_cell(const std::string& text);
/// The named cells: name and integer form.
const std::vector<std::pair<std::string, std::string>>& named_cells();

}  // namespace rnn
