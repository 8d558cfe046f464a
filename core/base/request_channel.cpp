#include "core/base/request_channel.h"

namespace strata {

QString channelName(RequestChannel channel) {
  // A switch without default, so the compiler names a channel added without a name.
  switch (channel) {
    case RequestChannel::Samples:
      return QStringLiteral("samples");
    case RequestChannel::Reconstructions:
      return QStringLiteral("reconstructions");
    case RequestChannel::ItemReconstruction:
      return QStringLiteral("item-reconstruction");
    case RequestChannel::Path:
      return QStringLiteral("path");
    case RequestChannel::DecodeSpot:
      return QStringLiteral("decode-spot");
    case RequestChannel::Neighbours:
      return QStringLiteral("neighbours");
    case RequestChannel::Traverse:
      return QStringLiteral("traverse");
    case RequestChannel::TraverseStart:
      return QStringLiteral("traverse-start");
    case RequestChannel::TraverseGrid:
      return QStringLiteral("traverse-grid");
    case RequestChannel::HierarchyResampling:
      return QStringLiteral("hierarchy-resampling");
    case RequestChannel::HierarchyTemperature:
      return QStringLiteral("hierarchy-temperature");
    case RequestChannel::HierarchyMixing:
      return QStringLiteral("hierarchy-mixing");
  }
  return QStringLiteral("channel-%1").arg(int(channel));
}

}  // namespace strata
