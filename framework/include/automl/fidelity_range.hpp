#pragma once
// The budgets an evaluator accepts, shared by the evaluator and strategy
// interfaces (multi-fidelity search).

#include <string>
#include <vector>

namespace automl {

/// The budgets an evaluator can evaluate a candidate at: epochs of training,
/// a table's epoch columns. The top of the range is its full fidelity, what
/// a trial that asks for none gets.
struct FidelityRange {
  double min = 1;
  double max = 1;
  std::string unit = "epochs";
  /// The only fidelities the evaluator tells apart, increasing, from min to
  /// max (a table's epoch columns: {12, 200}); empty: any value in the range.
  std::vector<double> levels = {};
};

}  // namespace automl
