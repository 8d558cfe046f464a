#include "core/model/encoding.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/base/cache_folder.h"
#include "core/base/errors.h"
#include "core/data/npy.h"
#include "core/model/item_conditions.h"
#include "core/model/model_ops.h"
#include "core/model/traversal.h"

namespace strata {

QString encodedUnitLabel(const ModelInfo& info, int layer, int column) {
  if (layer >= 0) return unitLabel(info, layer, column);
  for (size_t l = 0; l < info.layers.size(); ++l) {
    const auto size = int(info.layers[l].size());
    if (column < size) return unitLabel(info, int(l), column);
    column -= size;
  }
  return QStringLiteral("unit %1").arg(column);
}

QString encodingKey(const Model& model, const Dataset& dataset, const EncodingChoice& choice) {
  const QFileInfo file(model.info().path);
  QCryptographicHash hash(QCryptographicHash::Sha1);
  hash.addData(file.absoluteFilePath().toUtf8());
  hash.addData(QByteArray::number(file.size()));
  hash.addData(QByteArray::number(file.lastModified().toMSecsSinceEpoch()));
  hash.addData(dataset.name().toUtf8());
  hash.addData(QByteArray::number(qint64(dataset.size())));
  hash.addData(QByteArray::number(qulonglong(dataset.contentFingerprint())));
  hash.addData(QByteArray::number(choice.layer));
  hash.addData(QByteArray::number(int(choice.sample)));
  hash.addData(QByteArray::number(qulonglong(choice.sample ? choice.seed : 0)));
  // Only models encoded under the items' labels add them: every other key stays as it was.
  if (const uint64_t labels = labelConditionFingerprint(model.info(), dataset))
    hash.addData("labels " + QByteArray::number(qulonglong(labels)));
  return QString::fromLatin1(hash.result().toHex());
}

namespace {

// Item i of a batch whose first item is `first`: its chosen layers' latents, its KL over all
// layers and its reconstruction error.
void storeItem(Encoding& e, const std::vector<LayerInfo>& layers, const std::vector<size_t>& chosen,
               const Posterior& q, const std::vector<float>& logPx, int64_t first, int64_t i) {
  float* row = e.latents.data() + size_t(first + i) * size_t(e.dims);
  for (size_t l : chosen) {
    const size_t units = size_t(layers[l].size());
    std::copy_n(q.z.layers[l].begin() + int64_t(size_t(i) * units), units, row);
    row += units;
  }
  double kl = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t units = size_t(layers[l].size());
    for (size_t u = size_t(i) * units; u < size_t(i + 1) * units; ++u) kl += unitKl(q, l, u);
  }
  e.kl[size_t(first + i)] = float(kl);
  e.reconstruction[size_t(first + i)] = -logPx[size_t(i)];
}

// Items first.. of a batch: the entropy of q(y|x) and its most probable class, from the logits.
// Returns the batch's y: each item's predicted class, one-hot (what posterior would choose).
std::vector<float> storeClasses(Encoding& e, const std::vector<float>& logits, int k,
                                int64_t first) {
  const size_t count = logits.size() / size_t(k);
  std::vector<float> y;
  for (size_t i = 0; i < count; ++i) {
    const ClassPosterior c = classPosterior(logits.data() + i * size_t(k), k);
    e.classEntropy[size_t(first) + i] = float(c.entropy);
    e.predictedClass[size_t(first) + i] = int32_t(c.predicted);
    const std::vector<float> row = oneHotCondition(k, c.predicted);
    y.insert(y.end(), row.begin(), row.end());
  }
  return y;
}

}  // namespace

namespace {

// One encoding's batches, taken in order by one or two lanes (threads), each with its own
// copy of the model. Each batch writes its own rows, so lanes never write the same memory;
// the dataset is read and progress reported under a lock.
class BatchRun {
 public:
  BatchRun(const Dataset& dataset, const std::vector<size_t>& chosen, const JobControl& job,
           int64_t batch, Encoding& e)
      : dataset_(dataset), chosen_(chosen), job_(job), batch_(batch), e_(e) {}

  // Runs batches until none is left, the job is cancelled or a batch before this lane's next
  // one failed. `mayRun`, when set, is asked before each batch; while it says no, the lane
  // waits and the other lane takes the batches.
  void runLane(const Model& model, SampleStream* stream, const std::function<bool()>& mayRun) {
    std::vector<float> x;
    for (;;) {
      while (mayRun && !mayRun()) {
        if (next_.load() >= e_.items || job_.cancel.isCancelled()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      const int64_t first = take();
      if (first < 0) return;
      try {
        job_.cancel.throwIfCancelled();
        encodeBatch(model, stream, first, x);
      } catch (const ModelOutputError& error) {
        fail(first, std::make_exception_ptr(error.offsetBy(first)));  // the dataset's items
        return;
      } catch (...) {
        fail(first, std::current_exception());
        return;
      }
    }
  }

  // The failure of the earliest batch that failed: every batch before it was run, so the
  // error names the same item however the batches were shared between lanes.
  void rethrowFailure() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  int64_t take() {
    const int64_t first = next_.fetch_add(batch_);
    if (first >= e_.items) return -1;
    const std::lock_guard<std::mutex> lock(mutex_);
    return first > failedAt_ ? -1 : first;
  }

  void fail(int64_t first, std::exception_ptr error) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (first < failedAt_) failedAt_ = first, failure_ = std::move(error);
  }

  void encodeBatch(const Model& model, SampleStream* stream, int64_t first, std::vector<float>& x) {
    const int64_t count = std::min<int64_t>(batch_, e_.items - first);
    x.resize(size_t(count) * size_t(dataset_.itemShape().pixelCount()));
    std::vector<int64_t> items(static_cast<size_t>(count), 0);
    std::iota(items.begin(), items.end(), first);
    std::vector<float> labelY;  // a model without q(y|x) on labelled data: the items' labels
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      dataset_.copyBatch(first, count, x.data());
      labelY = labelConditions(model.info(), dataset_, items.data(), items.size());
    }
    // A model with a classifier: q(y|x) runs once, for the map's colourings and as the y the
    // items are encoded under (the one posterior would choose by itself).
    const ModelInfo& info = model.info();
    const std::vector<float> y =
        info.hasClassifier
            ? storeClasses(e_, model.classLogits(x.data(), count), int(info.classes.size()), first)
            : std::vector<float>{};
    const std::vector<float>& given = info.hasClassifier ? y : labelY;
    const Posterior q = given.empty() ? (stream ? model.posterior(x.data(), count, *stream)
                                                : model.posterior(x.data(), count, false))
                        : stream      ? model.posteriorGiven(x.data(), count, given, *stream)
                                      : model.posteriorGiven(x.data(), count, given, false);
    const std::vector<float> logPx = model.logPx(x.data(), count, q.z);
    const auto& layers = model.info().layers;
    for (int64_t i = 0; i < count; ++i) storeItem(e_, layers, chosen_, q, logPx, first, i);

    const std::lock_guard<std::mutex> lock(mutex_);
    done_ += count;
    job_.report(double(done_) / double(e_.items));
  }

  const Dataset& dataset_;
  const std::vector<size_t>& chosen_;
  const JobControl& job_;
  const int64_t batch_;
  Encoding& e_;
  std::atomic<int64_t> next_{0};
  std::mutex mutex_;  // the dataset, progress and the failure below
  int64_t done_ = 0;
  int64_t failedAt_ = std::numeric_limits<int64_t>::max();
  std::exception_ptr failure_;
};

// The second lane runs on cycles nobody else wants: when the window (or a job) needs the core
// at the same moment, the scheduler gives it to them first.
void lowerThisThreadsPriority() {
#ifdef __linux__
  setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
#endif
}

EncodingLanes& processLanes() {
  static EncodingLanes lanes;
  return lanes;
}

}  // namespace

void setDefaultEncodingLanes(EncodingLanes lanes) {
  processLanes() = std::move(lanes);
}

EncodingLanes defaultEncodingLanes() {
  return processLanes();
}

Encoding encodeDataset(const Model& model, const Dataset& dataset, const EncodingChoice& choice,
                       const JobControl& job, int batch) {
  return encodeDataset(model, dataset, choice, job, batch, defaultEncodingLanes());
}

Encoding encodeDataset(const Model& model, const Dataset& dataset, const EncodingChoice& choice,
                       const JobControl& job, int batch, const EncodingLanes& lanes) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  std::vector<size_t> chosen;
  for (size_t l = 0; l < layers.size(); ++l)
    if (choice.layer < 0 || size_t(choice.layer) == l) chosen.push_back(l);
  if (chosen.empty()) throw std::invalid_argument("no such latent layer");
  Encoding e;
  e.items = dataset.size();
  for (size_t l : chosen) e.dims += int(layers[l].size());
  e.latents.resize(size_t(e.items) * size_t(e.dims));
  e.kl.resize(size_t(e.items));
  e.reconstruction.resize(size_t(e.items));
  if (model.info().hasClassifier) {
    e.classEntropy.resize(size_t(e.items));
    e.predictedClass.resize(size_t(e.items));
  }
  e.description =
      QStringLiteral("%1 of %2, %3")
          .arg(choice.layer < 0 ? QStringLiteral("all layers") : layers[size_t(choice.layer)].name,
               model.info().name,
               choice.sample ? QStringLiteral("posterior samples (seed %1)").arg(choice.seed)
                             : QStringLiteral("posterior means"));
  BatchRun run(dataset, chosen, job, std::max(batch, 1), e);
  // Posterior samples come from one stream drawn batch after batch, so they take one lane:
  // the same seed must give the same codes (they are cached under it). Means take two when
  // asked and there are batches enough to share.
  if (choice.sample || lanes.count < 2 || e.items < 3 * int64_t(std::max(batch, 1))) {
    SampleStream stream(choice.seed);
    run.runLane(model, choice.sample ? &stream : nullptr, {});
  } else {
    // A thread of its own, not one of the job pool's: the lane lasts the whole encoding,
    // and holding a pool thread that long would leave the other jobs one thread.
    std::thread second([&] {
      lowerThisThreadsPriority();
      try {
        const std::shared_ptr<Model> copy = model.replica();
        run.runLane(*copy, nullptr, lanes.secondMayRun);
      } catch (...) {
        // No copy (out of memory, say): the first lane encodes everything.
      }
    });
    run.runLane(model, nullptr, {});
    second.join();
  }
  run.rethrowFailure();
  return e;
}

EncodingCache::EncodingCache(QString directory) : directory_(std::move(directory)) {
  if (directory_.isEmpty()) directory_ = CacheFolder::folder(QStringLiteral("encodings"));
}

QString EncodingCache::path(const QString& key) const {
  return QDir(directory_).filePath(key + ".npz");
}

bool EncodingCache::contains(const QString& key) const {
  return QFileInfo(path(key)).isFile();
}

bool EncodingCache::load(const QString& key, Encoding& out) const {
  if (!contains(key)) return false;
  try {
    const auto arrays = readNpz(path(key));
    const NpyArray& latents = arrays.at("latents");
    if (latents.shape.size() != 2) return false;
    Encoding e;
    e.items = latents.shape[0];
    e.dims = int(latents.shape[1]);
    e.latents = latents.toFloat();
    e.kl = arrays.at("kl").toFloat();
    e.reconstruction = arrays.at("reconstruction").toFloat();
    const std::vector<uint8_t>& text = arrays.at("description").bytes;
    e.description =
        QString::fromUtf8(reinterpret_cast<const char*>(text.data()), qsizetype(text.size()));
    if (e.kl.size() != size_t(e.items) || e.reconstruction.size() != size_t(e.items)) return false;
    // Only conditional models with a classifier write these; both or neither.
    if (arrays.count("class_entropy") || arrays.count("predicted_class")) {
      e.classEntropy = arrays.at("class_entropy").toFloat();
      for (int64_t c : arrays.at("predicted_class").toInt()) e.predictedClass.push_back(int32_t(c));
      if (e.classEntropy.size() != size_t(e.items) || e.predictedClass.size() != size_t(e.items))
        return false;
    }
    out = std::move(e);
    CacheFolder::touch(path(key));
    return true;
  } catch (const std::exception&) {
    return false;  // a damaged cache entry is recomputed
  }
}

void EncodingCache::store(const QString& key, const Encoding& e) const {
  QDir().mkpath(directory_);
  const QByteArray text = e.description.toUtf8();
  std::map<std::string, NpyArray> arrays{
      {"latents", makeNpy(e.latents, {e.items, e.dims})},
      {"kl", makeNpy(e.kl, {e.items})},
      {"reconstruction", makeNpy(e.reconstruction, {e.items})},
      {"description",
       makeNpy(std::vector<uint8_t>(text.begin(), text.end()), {int64_t(text.size())})}};
  if (!e.classEntropy.empty()) {
    arrays["class_entropy"] = makeNpy(e.classEntropy, {e.items});
    arrays["predicted_class"] =
        makeNpy(std::vector<int64_t>(e.predictedClass.begin(), e.predictedClass.end()), {e.items});
  }
  writeNpz(path(key) + ".part", arrays);
  QFile::remove(path(key));
  QFile::rename(path(key) + ".part", path(key));
  CacheFolder::prune();
}

Encoding EncodingCache::get(const Model& model, const Dataset& dataset,
                            const EncodingChoice& choice, const JobControl& job,
                            bool* fromCache) const {
  const QString key = encodingKey(model, dataset, choice);
  Encoding e;
  if (load(key, e)) {
    if (fromCache) *fromCache = true;
    return e;
  }
  e = encodeDataset(model, dataset, choice, job);
  try {
    store(key, e);
  } catch (const Error&) {
    // A cache that cannot be written (full disk, read-only folder) is no error: the encoding
    // is computed again next time.
    QFile::remove(path(key) + ".part");
  }
  if (fromCache) *fromCache = false;
  return e;
}

}  // namespace strata
