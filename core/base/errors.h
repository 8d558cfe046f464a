#pragma once
// Typed errors raised by core. The boundary (app, CLI) turns them into dialogs or messages.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace strata {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A data file that cannot be read or does not make sense.
class DataError : public Error {
 public:
  DataError(const std::string& file, const std::string& problem)
      : Error(file + ": " + problem), file_(file), problem_(problem) {}
  const std::string& file() const { return file_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_;
  std::string problem_;
};

// A model file that breaks the model contract; the message lists every violation.
class ModelError : public Error {
 public:
  using Error::Error;
};

// A model call returned something the contract rules out (wrong shape, dtype, NaN): names the
// method and the items of the batch that were affected, so callers can add their offset.
class ModelOutputError : public ModelError {
 public:
  ModelOutputError(const std::string& method, const std::string& problem,
                   std::vector<int64_t> items = {})
      : ModelError(method + ": " + problem + itemsText(items)),
        method_(method),
        problem_(problem),
        items_(std::move(items)) {}
  const std::string& method() const { return method_; }
  const std::string& problem() const { return problem_; }
  const std::vector<int64_t>& items() const { return items_; }
  // The same error with the items numbered from `first` (their place in the dataset).
  ModelOutputError offsetBy(int64_t first) const {
    std::vector<int64_t> shifted = items_;
    for (int64_t& i : shifted) i += first;
    return ModelOutputError(method_, problem_, shifted);
  }

 private:
  static std::string itemsText(const std::vector<int64_t>& items) {
    if (items.empty()) return {};
    std::string text = items.size() == 1 ? " (item " : " (items ";
    for (size_t i = 0; i < items.size() && i < 5; ++i)
      text += (i ? ", " : "") + std::to_string(items[i]);
    if (items.size() > 5) text += " and " + std::to_string(items.size() - 5) + " more";
    return text + ")";
  }
  std::string method_;
  std::string problem_;
  std::vector<int64_t> items_;
};

// A job stopped because its caller asked it to.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

}  // namespace strata
