// The GUI thread's longest stall while the heaviest jobs run: encoding and projecting a
// dataset (all layers, t-SNE), latent statistics, and the metrics table. A 5 ms timer on the
// GUI thread notes every gap between its ticks and asks the window to repaint, so paints run
// throughout (Qt's raster painter once waited on the pool Strata's jobs ran on, and the window
// froze for minutes). Prints one JSON line per phase: longest and 99th-percentile gap in ms.
// Run under an X server: xvfb-run -a -s "-screen 0 1600x1000x24" bench_gui_stall

#include <QApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "app/main_window.h"
#include "app/user_activity_filter.h"
#include "core/analysis/model_metrics.h"
#include "core/base/resources.h"
#include "core/data/fashion_mnist.h"
#include "core/model/torch_runtime.h"
#include "widgets/compare_view.h"
#include "widgets/gl_format.h"
#include "widgets/map_controls.h"

using namespace strata;

namespace {

class StallMeter {
 public:
  explicit StallMeter(QWidget* window) {
    timer_.setInterval(5);
    QObject::connect(&timer_, &QTimer::timeout, [this, window] {
      const qint64 now = clock_.nsecsElapsed();
      if (last_ > 0) gaps_.push_back(double(now - last_) / 1e6);
      last_ = now;
      window->update();
    });
  }
  void start() {
    gaps_.clear();
    last_ = 0;
    clock_.start();
    timer_.start();
  }
  QJsonObject stop(const QString& phase) {
    timer_.stop();
    std::vector<double> sorted = gaps_;
    std::sort(sorted.begin(), sorted.end());
    const double longest = sorted.empty() ? 0 : sorted.back();
    const double p99 = sorted.empty() ? 0 : sorted[size_t(double(sorted.size() - 1) * 0.99)];
    return {{"phase", phase},
            {"seconds", double(clock_.elapsed()) / 1000.0},
            {"ticks", int(sorted.size())},
            {"longest_stall_ms", longest},
            {"p99_gap_ms", p99}};
  }

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ = 0;
  std::vector<double> gaps_;
};

bool waitFor(QSignalSpy& spy, int count, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (spy.count() < count && t.elapsed() < timeoutMs)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  return spy.count() >= count;
}

void print(const QJsonObject& row) {
  std::printf("%s\n", QJsonDocument(row).toJson(QJsonDocument::Compact).constData());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("StrataBench"));
  QSettings().clear();
  QTemporaryDir cache;  // encodings must be computed, not read back
  qputenv("STRATA_CACHE_DIR", cache.path().toUtf8());
  configureTorch({});
  // As the application runs: encodings take a second lane while nobody touches the window
  // (no input arrives here, so the second lane runs throughout: the worst case for the GUI).
  useIdleCoresForEncoding(&app);
  if (!fashionMnistAvailable()) {
    std::fprintf(stderr, "bench_gui_stall: dataset-fashion-mnist is not installed\n");
    return 1;
  }
  MainWindow window;
  window.resize(1284, 900);
  window.show();
  StallMeter meter(&window);

  QSignalSpy projected(&window, &MainWindow::projectionShown);
  QSignalSpy modelShown(&window, &MainWindow::modelShown);
  QSignalSpy stats(&window, &MainWindow::statsShown);
  meter.start();
  window.openStartup(QStringLiteral("fashion-mnist:test"), bundledModelPath("fashion_lvae.pt"));
  const bool opened =
      waitFor(projected, 1, 300000) && waitFor(modelShown, 1, 300000) && waitFor(stats, 1, 600000);
  print(meter.stop(QStringLiteral("open dataset + model, pixel PCA, latent statistics")));
  if (!opened) return 1;

  meter.start();
  window.mapControls()->setSource(ProjectionRequest::kAllLayers);
  window.mapControls()->setMethod(ProjectionMethod::Tsne);
  const int before = projected.count();
  window.requestMap();
  const bool mapped = waitFor(projected, before + 1, 900000);
  print(meter.stop(QStringLiteral("encode 10,000 items (all layers) + t-SNE")));
  if (!mapped) return 1;

  CompareView* compare = window.compareView();
  QSignalSpy added(&window, &MainWindow::compareModelAdded);
  window.addCompareModel(bundledModelPath("fashion_vae.pt"));
  waitFor(added, 1, 120000);
  QSignalSpy metrics(compare, &CompareView::metricsShown);
  MetricsOptions options = compare->metricOptions();
  options.items = 5000;
  options.iwItems = 500;
  compare->setMetricOptions(options);
  meter.start();
  compare->computeMetrics();
  const bool measured = waitFor(metrics, 1, 900000);
  print(meter.stop(QStringLiteral("metrics of two models (5,000 items, IW on 500)")));
  return measured ? 0 : 1;
}
