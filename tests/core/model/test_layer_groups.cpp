// Deep hierarchies shown as a handful of groups: shallow models keep a row per layer, declared
// groups are used when few enough, otherwise the layers are cut into nearly equal runs.

#include <QtTest>

#include "core/model/layer_groups.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

ModelInfo modelWith(int layers, int perGroup) {
  ModelInfo info;
  for (int l = 0; l < layers; ++l) {
    LayerInfo layer;
    layer.name = QStringLiteral("z%1").arg(l);
    layer.shape = {4};
    if (perGroup > 0) layer.group = QStringLiteral("g%1").arg(l / perGroup);
    info.layers.push_back(layer);
  }
  return info;
}

}  // namespace

class TestLayerGroups : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void shallowModelsKeepEveryLayer() {
    const ModelInfo info = modelWith(3, 0);
    const std::vector<LayerGroup> groups = layerGroups(info);
    QCOMPARE(groups.size(), size_t(3));
    QCOMPARE(groups[1].label, QStringLiteral("z1"));
    QCOMPARE(levelsShown(info), (std::vector<int>{0, 1, 2, 3}));
    // Declared groups do not merge the layers of a shallow model either.
    QCOMPARE(layerGroups(modelWith(6, 3)).size(), size_t(6));
  }

  // Row labels say what a level keeps: by group at a deep model's group ends, else by layers.
  void keptLayersAreNamed() {
    const ModelInfo shallow = modelWith(3, 0);
    QCOMPARE(keptLayersText(shallow, 0), QStringLiteral("none"));
    QCOMPARE(keptLayersText(shallow, 1), QStringLiteral("z0"));
    QCOMPARE(keptLayersText(shallow, 2), QStringLiteral("z0\u2026z1"));
    QCOMPARE(keptLayersText(shallow, 3), QStringLiteral("all"));
    const ModelInfo deep = modelWith(60, 12);
    QCOMPARE(keptLayersText(deep, 24), QStringLiteral("through g1"));
    QCOMPARE(keptLayersText(deep, 30), QStringLiteral("z0\u2026z29"));
    QCOMPARE(keptLayersText(deep, 60), QStringLiteral("all"));
  }

  void deepModelsUseTheirDeclaredGroups() {
    const ModelInfo info = modelWith(60, 12);
    const std::vector<LayerGroup> groups = layerGroups(info);
    QCOMPARE(groups.size(), size_t(5));
    QCOMPARE(groups[2].label, QStringLiteral("g2"));
    QCOMPARE(groups[2].first, 24);
    QCOMPARE(groups[2].count, 12);
    QCOMPARE(levelsShown(info), (std::vector<int>{0, 12, 24, 36, 48, 60}));
  }

  void tooManyOrNoGroupsAreCutEvenly() {
    for (const ModelInfo& info : {modelWith(60, 0), modelWith(60, 2), modelWith(9, 0)}) {
      const std::vector<LayerGroup> groups = layerGroups(info);
      QCOMPARE(int(groups.size()), kMaxLayerGroups);
      int next = 0;
      for (const LayerGroup& g : groups) {
        QCOMPARE(g.first, next);  // consecutive, covering every layer once
        QVERIFY(g.count >= 1);
        next += g.count;
      }
      QCOMPARE(next, int(info.layers.size()));
    }
    QCOMPARE(layerGroups(modelWith(60, 0))[0].label, QStringLiteral("z0\u2026z6"));
    QCOMPARE(levelsShown(modelWith(60, 0)).back(), 60);
  }
};

STRATA_TEST_GUILESS_MAIN(TestLayerGroups)
#include "test_layer_groups.moc"
