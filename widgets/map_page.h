#pragma once
// The Map tab: the map controls above the scatter view. It subscribes to the workspace (dataset,
// model, map, colouring, selection, item, path) and makes its own requests: maps through the
// workspace loader, nearest neighbours, decoded spots and interpolation paths through the
// inference worker.

#include <QJsonObject>
#include <QWidget>

#include <vector>

namespace strata {

class InferenceWorker;
class MapControls;
class ScatterView;
class Workspace;
class WorkspaceLoader;

class MapPage : public QWidget {
  Q_OBJECT

 public:
  MapPage(Workspace* workspace, WorkspaceLoader* loader, InferenceWorker* inference,
          QWidget* parent = nullptr);

  MapControls* controls() const { return controls_; }
  ScatterView* scatter() const { return scatter_; }
  // Computes the map the controls describe (the Project button).
  void project();
  // Shows three components (or a 3-D t-SNE layout) with rotation, when the map has them.
  void setThreeD(bool on);
  bool isThreeD() const { return threeD_; }
  // Draws and decodes the interpolation between two items (as the item panel's path button).
  void showPath(int64_t from, int64_t to);
  // The recipe of the map as a figure, without dataset and style; empty (and `why` set) if none.
  QJsonObject figureRecipe(QString* why) const;

 Q_SIGNALS:
  void statusMessage(const QString& text, int timeoutMs);
  void neighboursShown(const std::vector<int>& neighbours);
  void pathShown();

 private:
  void connectWorkspace();
  void connectScatter();
  void showContext();
  void showMap();
  void applyDimensions();
  void applyColours();
  void onPointClicked(int index);
  void requestNeighbours(int index);
  void decodeSpot(const QPointF& world);
  void reportFailure(const QString& what, const QString& message);

  Workspace* workspace_;
  WorkspaceLoader* loader_;
  InferenceWorker* inference_;
  MapControls* controls_;
  ScatterView* scatter_;
  bool threeD_ = false;
};

}  // namespace strata
