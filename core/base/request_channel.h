#pragma once
// The channels of model requests on the InferenceWorker, all in one place. Requests on one
// channel replace each other (a newer one makes the older ones stale); requests on different
// channels are independent. One channel per thing shown: two views sharing a channel would
// drop each other's results.

#include <QString>

namespace strata {

enum class RequestChannel {
  // The Reconstructions tab.
  Samples,          // prior samples
  Reconstructions,  // dataset inputs and their reconstructions
  // The item panel.
  ItemReconstruction,  // the hovered or pinned item's reconstruction
  // The map page.
  Path,        // the latent interpolation between two items of the map
  DecodeSpot,  // the latent under a clicked spot of a PCA map
  Neighbours,  // the pinned item's nearest neighbours in latent space
  // The traverse view.
  Traverse,       // the image following the sliders
  TraverseStart,  // the latent the sliders start from
  TraverseGrid,   // the traversal grid
  // The hierarchy view.
  HierarchyResampling,
  HierarchyTemperature,
  HierarchyMixing,
};

// A stable name for diagnostics and logs, e.g. "traverse-grid".
QString channelName(RequestChannel channel);

}  // namespace strata
