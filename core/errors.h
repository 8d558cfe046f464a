#pragma once
// Typed errors raised by core. The boundary (app, CLI) turns them into dialogs or messages.

#include <stdexcept>
#include <string>

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

// A job stopped because its caller asked it to.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

}  // namespace strata
