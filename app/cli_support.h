#pragma once
// What every headless subcommand shares: loading models and datasets with clear messages,
// progress on stderr, and the exit codes documented in `strata --help`.

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <memory>
#include <stdexcept>

#include <QJsonArray>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/figures/recipe_schema.h"
#include "core/model/model.h"

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
// Opens a dataset spec; devices, FIFOs and sockets are refused before any reading.
DatasetPtr loadDataset(const QString& spec);
// Integer option value in [low, high], or CommandError(kUsage).
qint64 integerOption(const QString& name, const QString& value, qint64 low, qint64 high);
double numberOption(const QString& name, const QString& value, double low, double high);

// Values of options that fill a recipe field, checked against that field's entry in the recipe
// table, so the command line takes exactly what a recipe may hold. CommandError(kUsage):
// "--dpi must be an integer from 36 to 2400, not 'many'".
qint64 integerOption(const QString& name, const QString& value, const RecipeField& field);
double numberOption(const QString& name, const QString& value, const RecipeField& field);
QString textOption(const QString& name, const QString& value, const RecipeField& field);
// "0,7,42" for an integer-list field.
QJsonArray integerListOption(const QString& name, const QString& value, const RecipeField& field);
// Given parts, for a text-list field.
QJsonArray textListOption(const QString& name, const QStringList& parts, const QString& value,
                          const RecipeField& field);

// Outputs go into existing folders only: CommandError(kFailed, "output folder F does not
// exist") otherwise, checked before any work starts.
void checkOutputFolder(const QString& path);

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
