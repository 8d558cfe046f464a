#include "widgets/map_page.h"

#include <QJsonArray>
#include <QVBoxLayout>

#include <algorithm>

#include "core/base/inference_worker.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/encoding.h"
#include "core/model/item_conditions.h"
#include "core/numeric/knn.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_loader.h"
#include "widgets/map_controls.h"
#include "widgets/scatter_view.h"

namespace strata {
namespace {

constexpr int kPathSteps = 10;
constexpr int kNeighbourCount = 10;

// The k nearest items to `index` in latent space (exact, Euclidean), nearest first.
std::vector<int> nearestItems(const Encoding& encoding, int index, int k) {
  const float* query = encoding.latents.data() + size_t(index) * size_t(encoding.dims);
  std::vector<int> out;
  for (const Neighbour& n :
       nearestNeighbours(encoding.latents.data(), encoding.items, encoding.dims, query, k, index))
    out.push_back(int(n.index));
  return out;
}

// The map's colouring as a projection recipe names it.
Colouring recipeColouring(const MapColouring& colour, const Dataset* dataset) {
  switch (colour.kind) {
    case MapColouring::Class:
      return {dataset && dataset->hasLabels() ? Colouring::Class : Colouring::None, {}, 0};
    case MapColouring::Kl:
      return {Colouring::Kl, {}, 0};
    case MapColouring::Reconstruction:
      return {Colouring::Reconstruction, {}, 0};
    case MapColouring::Factor:
      return factorColouring(dataset ? dataset->factorNames().value(colour.index) : QString());
    case MapColouring::PredictedClass:
      return {Colouring::PredictedClass, {}, 0};
    case MapColouring::ClassEntropy:
      return {Colouring::ClassEntropy, {}, 0};
    case MapColouring::Unit:
      break;
  }
  return unitColouring(colour.index);
}

// The straight path between two items' posterior means (all layers), decoded and placed.
LatentPath computePath(const Model& model, const Dataset& dataset, const ProjectionResult& map,
                       int64_t from, int64_t to) {
  std::vector<float> x(2 * size_t(dataset.itemShape().pixelCount()));
  dataset.copyImage(from, x.data());
  dataset.copyImage(to, x.data() + x.size() / 2);
  const int64_t ends[] = {from, to};
  const Posterior q = posteriorOfItems(model, dataset, ends, 2, x.data(), nullptr);
  const int classes = int(model.info().classes.size());
  Latents a{1, {}, conditionRow(q.z, 0, classes)}, b{1, {}, conditionRow(q.z, 1, classes)};
  for (const auto& layer : q.z.layers) {
    a.layers.emplace_back(layer.begin(), layer.begin() + int64_t(layer.size() / 2));
    b.layers.emplace_back(layer.begin() + int64_t(layer.size() / 2), layer.end());
  }
  const Latents path = interpolate(a, b, kPathSteps, false);
  LatentPath p;
  p.from = from;
  p.to = to;
  p.shape = model.info().input;
  p.images = model.decode(path);
  if (map.encoding) p.xy = placeOnMap(map, sourceRows(model.info(), map.source, path));
  const int64_t steps = int64_t(p.images.size()) / std::max<int64_t>(1, p.shape.pixelCount());
  p.caption = QObject::tr(
                  "Linear interpolation of all layers' posterior means, #%1 → #%2 (%3 "
                  "steps)%4")
                  .arg(from)
                  .arg(to)
                  .arg(steps)
                  .arg(p.xy.empty()    ? QObject::tr("; the path is drawn on latent maps only")
                       : map.latentPca ? QObject::tr("; placed exactly on this PCA map")
                                       : QObject::tr("; placed on the map by nearest encoded "
                                                     "items"));
  return p;
}

}  // namespace

MapPage::MapPage(Workspace* workspace, WorkspaceLoader* loader, InferenceWorker* inference,
                 QWidget* parent)
    : QWidget(parent),
      workspace_(workspace),
      loader_(loader),
      inference_(inference),
      controls_(new MapControls(this)),
      scatter_(new ScatterView(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(controls_);
  layout->addWidget(scatter_, 1);
  connect(controls_, &MapControls::projectRequested, this, &MapPage::project);
  connect(controls_, &MapControls::colorChanged, this,
          [this] { workspace_->setColouring(controls_->colorChoice()); });
  connectWorkspace();
  connectScatter();
}

void MapPage::connectWorkspace() {
  connect(workspace_, &Workspace::datasetChanged, this, [this] {
    showContext();
    controls_->setSource(workspace_->embedding() ? ProjectionRequest::kEmbedding
                                                 : ProjectionRequest::kPixels);
  });
  connect(workspace_, &Workspace::modelChanged, this, &MapPage::showContext);
  connect(workspace_, &Workspace::mapChanged, this, &MapPage::showMap);
  connect(workspace_, &Workspace::colouringChanged, this, &MapPage::applyColours);
  connect(workspace_, &Workspace::selectionChanged, this, [this] {
    if (scatter_->selection() != workspace_->selection())
      scatter_->setSelection(workspace_->selection());
  });
  connect(workspace_, &Workspace::currentItemChanged, this, [this] {
    if (workspace_->isItemPinned()) scatter_->setHighlighted(int(workspace_->currentItem()));
  });
  connect(workspace_, &Workspace::pathChanged, this,
          [this] { scatter_->setPath(workspace_->path().xy); });
}

void MapPage::connectScatter() {
  connect(scatter_, &ScatterView::selectionChanged, this,
          [this](const std::vector<int>& indices) { workspace_->setSelection(indices); });
  connect(scatter_, &ScatterView::pointHovered, this,
          [this](int index) { workspace_->hoverItem(index); });
  connect(scatter_, &ScatterView::pointClicked, this, &MapPage::onPointClicked);
  connect(scatter_, &ScatterView::backgroundClicked, this, [this](const QPointF& world) {
    const ProjectionResult& map = workspace_->map();
    if (!map.latentPca) return;
    const ModelPtr model = workspace_->model();
    if (model && map.source >= 0 && model->info().layers.size() > 1) {
      Q_EMIT statusMessage(tr("Decoding a spot of the map needs the PCA map of all layers"), 6000);
      return;
    }
    decodeSpot(world);
  });
}

void MapPage::showContext() {
  const ModelPtr model = workspace_->model();
  controls_->setContext(model ? &model->info() : nullptr, workspace_->dataset().get(),
                        workspace_->embedding() != nullptr);
}

void MapPage::project() {
  if (!workspace_->dataset()) return;
  ProjectionRequest request = controls_->request();
  // With the 3-D view on, t-SNE lays the points out in three dimensions.
  if (threeD_ && request.method == ProjectionMethod::Tsne) request.tsne.outputDims = 3;
  loader_->projectMap(request);
}

void MapPage::setThreeD(bool on) {
  threeD_ = on;
  applyDimensions();
}

void MapPage::showMap() {
  const ProjectionResult& map = workspace_->map();
  const DatasetPtr dataset = workspace_->dataset();
  if (!dataset) return;
  // The controls follow the map shown (a session or a script may have asked for it).
  const ProjectionRequest& request = workspace_->mapRequest();
  if (controls_->request().source != request.source) controls_->setSource(request.source);
  if (controls_->request().method != request.method) controls_->setMethod(request.method);
  if (request.method == ProjectionMethod::Umap) controls_->setGraphEffort(request.umap.graphEffort);
  controls_->setLatentColoursAvailable(map.encoding != nullptr,
                                       map.encoding ? map.encoding->dims : 0,
                                       map.encoding && !map.encoding->classEntropy.empty(),
                                       map.encoding && !map.encoding->kl.empty());
  if (map.dims < 3) threeD_ = false;  // the 3-D action is disabled for such maps
  applyDimensions();
  QString message =
      tr("%1: %2 items; %3").arg(dataset->name()).arg(dataset->size()).arg(map.description);
  if (map.encoding)
    message += map.encodingFromCache ? tr(" (encoding from cache)") : tr(" (encoded and cached)");
  Q_EMIT statusMessage(message, 0);
}

void MapPage::applyDimensions() {
  const ProjectionResult& map = workspace_->map();
  if (!workspace_->dataset() || map.coords.empty()) return;
  const bool threeD = threeD_ && map.dims == 3;
  if (threeD_ && map.dims == 2)
    Q_EMIT statusMessage(
        tr("This layout is 2-D: press Project with t-SNE for a 3-D layout (PCA maps have three "
           "components already)"),
        8000);
  scatter_->setMode(threeD ? ScatterView::Mode::ThreeD : ScatterView::Mode::TwoD);
  if (threeD) {
    scatter_->setPoints(map.coords, 3);
  } else {
    std::vector<float> xy(map.coords.size() / 3 * 2);
    for (size_t i = 0; i < map.coords.size() / 3; ++i) {
      xy[2 * i] = map.coords[3 * i];
      xy[2 * i + 1] = map.coords[3 * i + 1];
    }
    scatter_->setPoints(xy, 2);
  }
  applyColours();
  QString caption = map.description;
  if (!map.varianceRatio.empty()) {
    QStringList axes;
    const QStringList names = {QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")};
    for (size_t c = 0; c < map.varianceRatio.size() && c < size_t(threeD ? 3 : 2); ++c)
      axes << tr("%1: PC%2 (%3%)")
                  .arg(names[int(c)])
                  .arg(c + 1)
                  .arg(map.varianceRatio[c] * 100, 0, 'f', 1);
    caption += QStringLiteral("  —  ") + axes.join(QStringLiteral(", "));
  }
  scatter_->setCaption(caption);
}

void MapPage::applyColours() {
  const ProjectionResult& map = workspace_->map();
  const DatasetPtr dataset = workspace_->dataset();
  if (!dataset || map.coords.empty()) return;
  const MapColouring choice = workspace_->colouring();
  const int64_t n = dataset->size();
  auto scalars = [&](auto&& value, const QString& title) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[size_t(i)] = float(value(i));
    scatter_->setScalarColors(v, title);
  };
  const Encoding* e = map.encoding.get();
  const ModelPtr model = workspace_->model();
  switch (choice.kind) {
    case MapColouring::Factor:
      return scalars([&](int64_t i) { return dataset->factor(i, choice.index); },
                     dataset->factorNames().value(choice.index));
    case MapColouring::Kl:
      if (e && !e->kl.empty())
        return scalars([&](int64_t i) { return e->kl[size_t(i)]; }, tr("KL (nats)"));
      break;
    case MapColouring::Reconstruction:
      if (e && !e->reconstruction.empty())
        return scalars([&](int64_t i) { return e->reconstruction[size_t(i)]; },
                       tr("-log p(x|z) (nats)"));
      break;
    case MapColouring::Unit:
      if (e && choice.index < e->dims)
        return scalars(
            [&](int64_t i) {
              return e->latents[size_t(i) * size_t(e->dims) + size_t(choice.index)];
            },
            model ? encodedUnitLabel(model->info(), map.source, choice.index)
                  : tr("unit %1").arg(choice.index));
      break;
    case MapColouring::ClassEntropy:
      if (e && !e->classEntropy.empty())
        return scalars([&](int64_t i) { return e->classEntropy[size_t(i)]; },
                       tr("entropy of q(y|x) (nats)"));
      break;
    case MapColouring::PredictedClass:
      if (e && !e->predictedClass.empty() && model) {
        scatter_->setCategoryColors(
            std::vector<int>(e->predictedClass.begin(), e->predictedClass.end()),
            model->info().classes);
        return;
      }
      break;
    case MapColouring::Class:
      break;
  }
  if (dataset->hasLabels()) {
    std::vector<int> labels(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) labels[size_t(i)] = dataset->label(i);
    scatter_->setCategoryColors(labels, dataset->classNames());
  } else {
    scatter_->setCategoryColors(std::vector<int>(static_cast<size_t>(n), 0), {});
  }
}

void MapPage::onPointClicked(int index) {
  const int64_t start = workspace_->pathStart();
  if (index >= 0 && start >= 0 && index != start) {
    workspace_->setPathStart(-1);
    showPath(start, index);
  }
  workspace_->pinItem(index);
  requestNeighbours(index);
}

void MapPage::requestNeighbours(int index) {
  const auto encoding = workspace_->map().encoding;
  if (index < 0 || !encoding) {
    scatter_->setNeighbours({});
    return;
  }
  inference_->submit<std::vector<int>>(
      RequestChannel::Neighbours,
      [encoding, index] { return nearestItems(*encoding, index, kNeighbourCount); },
      [this](const std::vector<int>& neighbours) {
        scatter_->setNeighbours(neighbours);
        Q_EMIT neighboursShown(neighbours);
      },
      [this](const QString& message) { reportFailure(tr("Nearest neighbours"), message); });
}

void MapPage::showPath(int64_t from, int64_t to) {
  if (!workspace_->canEncodeDataset()) return;
  const ModelPtr model = workspace_->model();
  const DatasetPtr dataset = workspace_->dataset();
  const ProjectionResult map = workspace_->map();
  inference_->submit<LatentPath>(
      RequestChannel::Path, [=] { return computePath(*model, *dataset, map, from, to); },
      [this](const LatentPath& path) {
        workspace_->setPath(path);
        Q_EMIT pathShown();
      },
      [this](const QString& message) { reportFailure(tr("The interpolation path"), message); });
}

void MapPage::decodeSpot(const QPointF& world) {
  const ModelPtr model = workspace_->model();
  if (!model) return;
  const ProjectionResult map = workspace_->map();
  const DatasetPtr dataset = workspace_->dataset();
  inference_->submit<DecodedSpot>(
      RequestChannel::DecodeSpot,
      [=] {
        DecodedSpot spot;
        spot.image = model->decode(
            latentsAtMapPoint(model->info(), map, world.x(), world.y(), dataset.get()));
        spot.shape = model->info().input;
        spot.caption = QObject::tr("Decoded at the map point (%1, %2)")
                           .arg(world.x(), 0, 'f', 2)
                           .arg(world.y(), 0, 'f', 2);
        return spot;
      },
      [this](const DecodedSpot& spot) { workspace_->setDecodedSpot(spot); },
      [this](const QString& message) { reportFailure(tr("Decoding the map point"), message); });
}

void MapPage::reportFailure(const QString& what, const QString& message) {
  Q_EMIT statusMessage(tr("%1 failed: %2").arg(what, message), 10000);
}

QJsonObject MapPage::figureRecipe(QString* why) const {
  if (workspace_->embedding()) {
    *why = tr("Maps of embedding files cannot be exported as figures yet");
    return {};
  }
  const ProjectionRequest request = controls_->request();
  const ModelPtr model = workspace_->model();
  const DatasetPtr dataset = workspace_->dataset();
  QStringList layerNames;
  if (request.source != ProjectionRequest::kPixels) {
    if (!model) return {};
    for (const LayerInfo& layer : model->info().layers) layerNames << layer.name;
  }
  ProjectionRecipe recipe = projectionRecipeOf(request, layerNames);
  if (request.source != ProjectionRequest::kPixels)
    recipe.models = std::vector<RecipeModel>{recipeModel(model->info().path, false)};
  recipe.colour = recipeColouring(controls_->colorChoice(), dataset.get());
  return recipe.toJson();
}

}  // namespace strata
