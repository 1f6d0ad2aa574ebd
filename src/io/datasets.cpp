// Fashion-MNIST from the Debian package dataset-fashion-mnist (IDX files, gzipped).
#include <sys/stat.h>

#include "../tensor/parallel.h"
#include "file.h"
#include "ramp/data.h"

namespace ramp::data {
namespace {

// root/name.gz, or root/name when only the uncompressed file is there.
std::string find_file(const std::string& root, const std::string& name) {
  struct stat st {};
  for (const std::string& p : {root + "/" + name + ".gz", root + "/" + name})
    if (::stat(p.c_str(), &st) == 0) return p;
  throw Error(detail::cat("load_fashion_mnist: ", root, "/", name,
                          ".gz not found; install the Debian package dataset-fashion-mnist"));
}

}  // namespace

ImagesLabels load_fashion_mnist(bool train, const std::string& root) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte");
  const Tensor raw = read_idx(images_path), labels = read_idx(labels_path);
  if (raw.dtype() != ScalarType::UInt8 || raw.dim() != 3 || raw.size(1) != 28 || raw.size(2) != 28)
    io::fail("load_fashion_mnist", images_path, "expected uint8 images [N, 28, 28], got ",
             dtype_name(raw.dtype()), " ", shape_str(raw.sizes()));
  if (labels.dtype() != ScalarType::UInt8 || labels.dim() != 1 || labels.size(0) != raw.size(0))
    io::fail("load_fashion_mnist", labels_path, "expected ", raw.size(0), " uint8 labels, got ",
             dtype_name(labels.dtype()), " ", shape_str(labels.sizes()));
  // pixel / 255 in float32, as torchvision's ToTensor (img.float().div(255))
  Tensor images = empty({raw.size(0), 1, 28, 28}, ScalarType::Float32);
  const auto* src = static_cast<const std::uint8_t*>(raw.data_ptr());
  auto* dst = static_cast<float*>(images.data_ptr());
  detail::parallel_for(raw.numel(), 1 << 16, 64, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) dst[i] = float(src[i]) / 255.0f;
  });
  return {images, labels.to(ScalarType::Int64)};
}

}  // namespace ramp::data
