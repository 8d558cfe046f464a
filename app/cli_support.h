#pragma once
// What every headless subcommand shares: loading models and datasets with clear messages,
// progress on stderr, and the exit codes documented in `strata --help`.

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <memory>
#include <stdexcept>

#include "core/dataset.h"
#include "core/job.h"
#include "core/model.h"

namespace strata::cli {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2 };

// A problem the user can fix; the message is printed as "strata COMMAND: message".
class CommandError : public std::runtime_error {
 public:
  CommandError(ExitCode code, const QString& message)
      : std::runtime_error(message.toStdString()), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

std::shared_ptr<Model> loadModel(const QString& path);
DatasetPtr loadDataset(const QString& spec);
// Integer option value in [low, high], or CommandError(kUsage).
qint64 integerOption(const QString& name, const QString& value, qint64 low, qint64 high);
double numberOption(const QString& name, const QString& value, double low, double high);

// A progress line on stderr ("label  42%"), rewritten in place at most every half second.
JobControl stderrProgress(const QString& label);

// Parses the arguments of subcommand `command`: throws CommandError(kUsage) for unknown
// options or missing values (QCommandLineParser::process would exit with status 1), prints the
// help (usage line "strata <command>") and returns false for --help.
bool parseArguments(QCommandLineParser& parser, const QStringList& arguments,
                    const QString& command);

// Runs a subcommand body, turning typed errors into messages and exit codes.
int runCommand(const QString& command, const std::function<int()>& body);

}  // namespace strata::cli
