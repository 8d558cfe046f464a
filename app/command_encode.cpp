#include "app/command_encode.h"

#include <QCommandLineParser>
#include <QTextStream>

#include "app/cli_support.h"
#include "core/base/file_io.h"
#include "core/data/npy.h"
#include "core/model/encoding.h"

namespace strata::cli {

namespace {

// -1 for all layers, else the index of the layer named `name`.
int layerNamed(const ModelInfo& info, const QString& name) {
  if (name == QStringLiteral("all-layers")) return -1;
  QStringList names;
  for (size_t l = 0; l < info.layers.size(); ++l) {
    if (info.layers[l].name == name) return int(l);
    names << info.layers[l].name;
  }
  throw CommandError(kUsage, QStringLiteral("--source must be all-layers or a layer of the model "
                                            "(%1), not '%2'")
                                 .arg(names.join(", "), name));
}

}  // namespace

int encodeCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "Encode a dataset with a model and write the latent codes as a float32 .npy [N, D]."));
  parser.addHelpOption();
  parser.addPositionalArgument("model", "TorchScript model file", "MODEL.pt");
  const QCommandLineOption output({"o", "output"}, "output .npy file", "FILE");
  const QCommandLineOption data("data", "dataset (default fashion-mnist:test)", "SPEC",
                                "fashion-mnist:test");
  const QCommandLineOption source("source", "all-layers (top first, default) or a layer name",
                                  "SOURCE", "all-layers");
  const QCommandLineOption samples("samples", "posterior samples instead of means");
  const QCommandLineOption seed("seed", "seed of the samples (default 0)", "S", "0");
  parser.addOptions({output, data, source, samples, seed});
  return runCommand("encode", [&] {
    if (!parseArguments(parser, arguments, "encode")) return int(kOk);
    if (parser.positionalArguments().size() != 1)
      throw CommandError(kUsage, "give one model file: strata encode MODEL.pt -o OUT.npy");
    if (!parser.isSet(output)) throw CommandError(kUsage, "give an output file with -o OUT.npy");
    const QString out = parser.value(output);
    if (!out.endsWith(QStringLiteral(".npy"), Qt::CaseInsensitive))
      throw CommandError(kUsage,
                         QStringLiteral("the output must be a .npy file, not '%1'").arg(out));
    checkOutputFolder(out);
    const auto model = loadModel(parser.positionalArguments().front());
    EncodingChoice choice;
    choice.layer = layerNamed(model->info(), parser.value(source));
    choice.sample = parser.isSet(samples);
    choice.seed = uint64_t(integerOption("seed", parser.value(seed), 0, 1LL << 62));
    const DatasetPtr dataset = loadDataset(parser.value(data));
    const Encoding encoding =
        encodeDataset(*model, *dataset, choice, stderrProgress(QStringLiteral("encoding")));
    const std::vector<uint8_t> bytes =
        serializeNpy(makeNpy(encoding.latents, {encoding.items, int64_t(encoding.dims)}));
    writeFileAtomically(
        out, QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())),
        QStringLiteral("codes"));
    QTextStream(stdout) << "wrote " << encoding.items << " codes of " << encoding.dims
                        << " values to " << out << "\n";
    return int(kOk);
  });
}

}  // namespace strata::cli
