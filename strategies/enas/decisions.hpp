#pragma once
// The order in which the ENAS controller makes a cell's decisions, from a
// space's token encoding (no LibTorch: the tests read it directly).
//
// The token encoding is only the storage order. As the reference micro
// controller does, each node samples both of its inputs first and then both
// operations (index_1, index_2, op_1, op_2 where the tokens read x_id, x_op,
// y_id, y_op): the first operation step is fed the anchor of the second
// chosen input, the second one the first operation's embedding. A space
// without state choices (NAS-Bench-201) is decided in token order.

#include <cstddef>
#include <tuple>
#include <vector>

#include "automl/search_space.hpp"

namespace automl::enas {

// Where each token position sits: a state choice (attention over the cell's
// states) or an operation; which cell; whether a node ends after it.
struct Position {
  bool state = false;
  int lo = 0, hi = 0;
  bool cell_start = false;
  int initial_states = 0;  // at a cell start: states before the first node
  bool node_end = false;
};

inline std::vector<Position> layout(const TokenEncoding& tokens) {
  const int n = tokens.length();
  std::vector<Position> out(static_cast<std::size_t>(n));
  int last_hi = -1;
  for (int p = 0; p < n; ++p) {
    auto& pos = out[static_cast<std::size_t>(p)];
    std::tie(pos.lo, pos.hi) = tokens.token_range(p);
    pos.state = tokens.selects_state(p);
    pos.cell_start = p == 0 || (pos.state && last_hi >= 0 && pos.hi < last_hi);
    if (pos.state) last_hi = pos.hi;
  }
  // A node starts at a state choice whose range differs from the previous
  // one's (or at a cell start); the first node of a cell chooses among the
  // cell's initial states. Spaces without state choices have no nodes.
  std::vector<bool> node_start(static_cast<std::size_t>(n), false);
  bool has_states = false;
  int hi = -1;
  for (std::size_t p = 0; p < out.size(); ++p) {
    if (out[p].cell_start) hi = -1;
    if (out[p].state && out[p].hi != hi) node_start[p] = true, hi = out[p].hi;
    has_states = has_states || out[p].state;
  }
  for (std::size_t p = 0; p < out.size(); ++p) {
    if (out[p].cell_start) {
      std::size_t q = p;
      while (q < out.size() && !out[q].state) ++q;
      out[p].initial_states = q < out.size() ? out[q].hi - out[q].lo + 1 : 0;
    }
    out[p].node_end = has_states && (p + 1 == out.size() || node_start[p + 1] || out[p + 1].cell_start);
  }
  return out;
}

/// One decision: the token position it fills, and whether the node ends
/// after it (one more LSTM step then makes the node's anchor).
struct Decision {
  std::size_t position = 0;
  bool ends_node = false;
};

/// Every position once: per node its state choices, then its operations,
/// each group in token order.
inline std::vector<Decision> decision_order(const std::vector<Position>& positions) {
  std::vector<Decision> order;
  std::size_t begin = 0;
  for (std::size_t p = 0; p < positions.size(); ++p) {
    if (!positions[p].node_end && p + 1 != positions.size()) continue;
    for (bool states : {true, false})
      for (std::size_t q = begin; q <= p; ++q)
        if (positions[q].state == states) order.push_back({q, false});
    if (positions[p].node_end) order.back().ends_node = true;
    begin = p + 1;
  }
  return order;
}

}  // namespace automl::enas
