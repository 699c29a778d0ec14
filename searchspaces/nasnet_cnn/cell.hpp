#pragma once
// The NASNet-style cell pair as NAO encodes it: B nodes per cell, each node
// (x_id, x_op, y_id, y_op); inputs 0 and 1 are the two previous cells, node j
// is input j + 2; the normal cell's genes come first, then the reduction
// cell's (4 * B genes each).

#include <string>
#include <vector>

namespace nasnet {

/// Operation sets by name, as in NAO's reference code.
const std::vector<std::string>& nao_ws_ops();  ///< the 5-op weight-sharing space
const std::vector<std::string>& naonet_ops();  ///< the 11-op NAONet space
/// Every operation name either set knows.
std::vector<std::string> known_ops();

/// Readable text: "normal: 0 sep_conv_3x3 + 1 identity, ... | reduce: ...".
std::string to_text(const std::vector<int>& genes, int nodes, const std::vector<std::string>& ops);
/// Parses the readable text, or 4 * 2 * nodes integers (an optional '|'
/// between the cells). Throws automl::ConfigError saying what was expected.
std::vector<int> parse_text(const std::string& text, int nodes, const std::vector<std::string>& ops);

}  // namespace nasnet
