#include "app/cli_support.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTextStream>

#include <cmath>
#include <mutex>

#include "core/base/errors.h"
#include "core/base/file_checks.h"
#include "core/data/dataset_source.h"
#include "core/model/torch_runtime.h"

namespace strata::cli {

std::shared_ptr<Model> loadModel(const QString& path) {
  if (!QFileInfo(path).isFile())
    throw CommandError(kFailed, QStringLiteral("model file not found: %1").arg(path));
  configureTorch({});
  return Model::load(path);  // ModelError lists every violation
}

DatasetPtr loadDataset(const QString& spec) {
  requireFileOrFolder(spec);
  return openDataset(spec);
}

qint64 integerOption(const QString& name, const QString& value, qint64 low, qint64 high) {
  bool ok = false;
  const qint64 v = value.toLongLong(&ok);
  if (!ok || v < low || v > high)
    throw CommandError(kUsage, QStringLiteral("--%1 must be an integer from %2 to %3, not '%4'")
                                   .arg(name)
                                   .arg(low)
                                   .arg(high)
                                   .arg(value));
  return v;
}

double numberOption(const QString& name, const QString& value, double low, double high) {
  bool ok = false;
  const double v = value.toDouble(&ok);
  if (!ok || !std::isfinite(v) || v < low || v > high)
    throw CommandError(kUsage, QStringLiteral("--%1 must be a number from %2 to %3, not '%4'")
                                   .arg(name)
                                   .arg(low)
                                   .arg(high)
                                   .arg(value));
  return v;
}

namespace {

// The value checked against the field; throws the option's usage error if it does not fit.
void requireFits(const QString& name, const QString& text, const RecipeField& field,
                 const QJsonValue& value) {
  if (!fieldProblem(field, value).isEmpty())
    throw CommandError(
        kUsage, QStringLiteral("--%1 must be %2, not '%3'").arg(name, describeField(field), text));
}

}  // namespace

qint64 integerOption(const QString& name, const QString& value, const RecipeField& field) {
  bool ok = false;
  const qint64 v = value.trimmed().toLongLong(&ok);
  requireFits(name, value, field, ok ? QJsonValue(v) : QJsonValue(value));
  return v;
}

double numberOption(const QString& name, const QString& value, const RecipeField& field) {
  bool ok = false;
  const double v = value.trimmed().toDouble(&ok);
  requireFits(name, value, field, ok ? QJsonValue(v) : QJsonValue(value));
  return v;
}

QString textOption(const QString& name, const QString& value, const RecipeField& field) {
  requireFits(name, value, field, value);
  return value;
}

QJsonArray integerListOption(const QString& name, const QString& value, const RecipeField& field) {
  QJsonArray list;
  for (const QString& part : value.split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    const qint64 v = part.trimmed().toLongLong(&ok);
    list.append(ok ? QJsonValue(v) : QJsonValue(part));
  }
  requireFits(name, value, field, list);
  return list;
}

QJsonArray textListOption(const QString& name, const QStringList& parts, const QString& value,
                          const RecipeField& field) {
  const QJsonArray list = QJsonArray::fromStringList(parts);
  requireFits(name, value, field, list);
  return list;
}

void checkOutputFolder(const QString& path) {
  try {
    requireOutputFolder(path);
  } catch (const Error& e) {
    throw CommandError(kFailed, QString::fromStdString(e.what()));
  }
}

JobControl stderrProgress(const QString& label) {
  struct State {
    std::mutex mutex;
    QElapsedTimer timer;
    int lastPercent = -1;
  };
  auto state = std::make_shared<State>();
  state->timer.start();
  JobControl job;
  job.progress = [state, label](double f) {
    std::lock_guard<std::mutex> lock(state->mutex);
    const int percent = int(std::lround(100 * std::clamp(f, 0.0, 1.0)));
    if (percent == state->lastPercent) return;
    if (percent < 100 && state->lastPercent >= 0 && state->timer.elapsed() < 500) return;
    state->timer.restart();
    state->lastPercent = percent;
    QTextStream err(stderr);
    err << label << " " << percent << "%" << (percent == 100 ? "\n" : "\r");
    err.flush();
  };
  return job;
}

namespace {

// The parser's help with the usage line naming the subcommand rather than the executable's path.
QString subcommandHelp(const QCommandLineParser& parser, const QString& command) {
  QString text = parser.helpText();
  // Qt writes the executable's full path after "Usage: ".
  const QString program = QCoreApplication::arguments().value(0);
  const qsizetype firstLineEnd = text.indexOf('\n');
  const qsizetype at = text.indexOf(program);
  if (!program.isEmpty() && at >= 0 && at < firstLineEnd)
    text.replace(at, program.size(), QStringLiteral("strata ") + command);
  return text;
}

}  // namespace

bool parseArguments(QCommandLineParser& parser, const QStringList& arguments,
                    const QString& command) {
  if (!parser.parse(arguments)) throw CommandError(kUsage, parser.errorText());
  if (parser.isSet(QStringLiteral("help"))) {
    QTextStream(stdout) << subcommandHelp(parser, command);
    return false;
  }
  return true;
}

int runCommand(const QString& command, const std::function<int()>& body) {
  QTextStream err(stderr);
  try {
    return body();
  } catch (const CommandError& e) {
    err << "strata " << command << ": " << e.what() << "\n";
    if (e.code() == kUsage) err << "see: strata " << command << " --help\n";
    return e.code();
  } catch (const ModelError& e) {
    err << "strata " << command << ": invalid model\n" << e.what() << "\n";
  } catch (const DataError& e) {
    err << "strata " << command << ": " << e.what() << "\n";
  } catch (const Error& e) {
    err << "strata " << command << ": " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    err << "strata " << command << ": not enough memory for this request\n";
  } catch (const std::exception& e) {
    err << "strata " << command << ": " << e.what() << "\n";
  }
  return kFailed;
}

}  // namespace strata::cli
