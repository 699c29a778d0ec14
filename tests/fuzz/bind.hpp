#pragma once
// The property the experiment and --set targets check: parsing plus binding
// every table against its plugin's schema either rejects the input with a
// clean error, or accepts it and then its resolved form parses, binds and
// resolves to the same text again (what resolved.toml records is what runs).

#include <string>
#include <vector>

namespace fuzz {

void check_experiment(const std::string& text, const std::vector<std::string>& overrides);

}  // namespace fuzz
