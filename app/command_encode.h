#pragma once
// strata encode MODEL.pt --data SPEC -o OUT.npy: a dataset's latent codes as a float32 .npy
// [N, D] (posterior means of all layers, top first, or of one layer; or samples), the same
// codes the map and the encoding cache use. Tools that encode elsewhere (on a cluster)
// check their shards against it.

#include <QStringList>

namespace strata::cli {

int encodeCommand(const QStringList& arguments);

}  // namespace strata::cli
