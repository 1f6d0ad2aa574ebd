// Datasets: readers for the IDX (MNIST) and CSV formats, Fashion-MNIST from its Debian package, a
// batch iterator with PyTorch's DataLoader semantics, and the random draws of ramp.utils.data's
// samplers and random_split (ramp's own streams, 1.13's rules).
//
//   auto [images, labels] = ramp::data::load_fashion_mnist(/*train=*/true);  // [60000,1,28,28], [60000]
//   ramp::data::DataLoader loader(images, labels, /*batch_size=*/64, /*shuffle=*/true, /*seed=*/0);
//   for (int epoch = 0; epoch < 3; ++epoch)
//     for (auto [x, y] : loader) { ... }                      // reshuffled every epoch
// Data-parallel, each rank its share (after ramp::distributed::init_process_group):
//   auto sampler = std::make_shared<ramp::data::DistributedSampler>(images.size(0));
//   ramp::data::DataLoader share(images, labels, 64, sampler);
//   for (int epoch = 0; epoch < 3; ++epoch) { sampler->set_epoch(epoch); for (auto [x, y] : share) ...; }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ramp/random.h"
#include "ramp/tensor.h"

namespace ramp::data {

// An IDX file (gzip-compressed or plain): magic 0 0 type ndim, ndim big-endian u32 sizes, then the
// big-endian values. Types: 0x08 uint8, 0x09 int8, 0x0B int16 (read as int32: ramp has no int16),
// 0x0C int32, 0x0D float32, 0x0E float64. Malformed files (bad magic or type, truncated, more data
// than the sizes say, corrupt gzip) raise ramp::Error "read_idx: <path>: <problem>".
Tensor read_idx(const std::string& path);

inline constexpr const char* kFashionMnistRoot = "/usr/share/datasets/fashion-mnist";
struct ImagesLabels {
  Tensor images;  // float32 [N, 1, 28, 28], pixel / 255 (torchvision's ToTensor)
  Tensor labels;  // int64 [N]
};
// Fashion-MNIST's training (60000) or test (10000) set, from `root`'s
// {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; missing files raise an error naming the
// Debian package dataset-fashion-mnist.
ImagesLabels load_fashion_mnist(bool train = true, const std::string& root = kFashionMnistRoot);

// A CSV file of numbers as float32 [rows, cols]. With `header`, the first non-blank line holds the
// column names (into *columns when given). Fields may be quoted ("1.5", "a,b"); blank lines are
// skipped; a field that is not a number or a row with another number of fields raises ramp::Error
// "read_csv: <path>:<line>: <problem>".
Tensor read_csv(const std::string& path, bool header = true, char delimiter = ',',
                std::vector<std::string>* columns = nullptr);

// torch.Generator and randperm live in ramp/random.h.
using ramp::Generator;
using ramp::randperm;

// ---- what ramp.utils.data's samplers and random_split draw (int64 index tensors) ----
// RandomSampler(replacement=True): `count` indices uniform in [0, n).
Tensor random_indices(std::int64_t n, std::int64_t count, Generator* gen = nullptr);
// RandomSampler(num_samples=count) without replacement: count // n permutations of 0..n-1, then the
// first count % n of one more (1.13's order of draws).
Tensor permutation_indices(std::int64_t n, std::int64_t count, Generator* gen = nullptr);
// WeightedRandomSampler (torch.multinomial on one row): index i with probability weights[i] / sum.
// Without replacement, 1.13's algorithm: the `count` largest weights[i] / E_i (E_i ~ Exp(1)), which
// draws as successive sampling from the weights left (zero weights come last, lowest index first).
// 1.13's errors: negative/NaN/infinite weights, a sum <= 0, count > weights without replacement.
Tensor weighted_indices(const std::vector<double>& weights, std::int64_t count, bool replacement,
                        Generator* gen = nullptr);
// random_split's lengths for a dataset of n items: `lengths` as given, or, when they sum to 1
// (math.isclose) and not above, fractions: floor(n * f) each, the remainder added one by one
// round-robin from the first. ValueError for a fraction outside [0, 1] or lengths not summing to n.
std::vector<std::int64_t> split_lengths(std::int64_t n, const std::vector<double>& lengths);

// ---- torch.utils.data.DistributedSampler ----
// This rank's indices of a dataset of `n` items for one epoch, by 1.13's rule: the order (0..n-1, or
// with `shuffle` a randperm from a generator seeded `seed` + `epoch`, the same on every rank) padded
// by repeating it from the start to a multiple of num_replicas (or, with drop_last, its tail cut to
// one), then every num_replicas-th index from `rank`. ValueError for a rank outside
// [0, num_replicas - 1], as 1.13.
Tensor distributed_indices(std::int64_t n, std::int64_t num_replicas, std::int64_t rank, bool shuffle,
                           std::uint64_t seed, std::int64_t epoch, bool drop_last);
// Indices per rank: ceil(n / num_replicas), or with drop_last (and n not a multiple)
// ceil((n - num_replicas) / num_replicas).
std::int64_t distributed_samples(std::int64_t n, std::int64_t num_replicas, bool drop_last);

struct DistributedSamplerOptions {
  std::optional<std::int64_t> num_replicas;  // absent: the default process group's world size
  std::optional<std::int64_t> rank;          // absent: this process's rank in it
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;
};
// The sampler as an object, for DataLoader: call set_epoch(e) before each epoch so the shuffle
// changes (the same epoch gives the same order on every rank).
class DistributedSampler {
 public:
  explicit DistributedSampler(std::int64_t dataset_size, const DistributedSamplerOptions& options = {});
  void set_epoch(std::int64_t epoch) { epoch_ = epoch; }
  std::int64_t epoch() const { return epoch_; }
  std::int64_t size() const { return distributed_samples(n_, num_replicas_, o_.drop_last); }  // len(sampler)
  std::int64_t dataset_size() const { return n_; }
  std::int64_t num_replicas() const { return num_replicas_; }
  std::int64_t rank() const { return rank_; }
  Tensor indices() const {  // this rank's, for the current epoch
    return distributed_indices(n_, num_replicas_, rank_, o_.shuffle, o_.seed, epoch_, o_.drop_last);
  }

 private:
  std::int64_t n_, num_replicas_, rank_, epoch_ = 0;
  DistributedSamplerOptions o_;
};

// Tensors sharing their first dim: item i is (t[i] for t in tensors), as torch's TensorDataset.
class TensorDataset {
 public:
  explicit TensorDataset(std::vector<Tensor> tensors);
  std::int64_t size() const { return size_; }
  std::vector<Tensor> get(std::int64_t i) const;
  // The items at `indices` (int64, 1-d), each tensor's rows gathered with index_select.
  std::vector<Tensor> get_batch(const Tensor& indices) const;
  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<Tensor> tensors_;
  std::int64_t size_ = 0;
};

// Batches (x, y) of inputs and targets, as torch.utils.data.DataLoader over a TensorDataset. With
// `shuffle`, each pass (each begin()) draws a new permutation from a generator seeded once with
// `seed` (or with a seed drawn from ramp's global generator when absent): the same seed gives the
// same sequence of epochs. The last batch is smaller unless drop_last.
class DataLoader {
 public:
  using Batch = std::pair<Tensor, Tensor>;
  DataLoader(Tensor inputs, Tensor targets, std::int64_t batch_size = 1, bool shuffle = false,
             std::optional<std::uint64_t> seed = {}, bool drop_last = false);
  // DataLoader(dataset, batch_size, sampler=DistributedSampler(...)): each epoch's batches follow the
  // sampler's indices for its current epoch (shared: the caller's set_epoch reaches the loader).
  DataLoader(Tensor inputs, Tensor targets, std::int64_t batch_size, std::shared_ptr<const DistributedSampler> sampler,
             bool drop_last = false);
  std::int64_t size() const;  // batches per epoch: len(loader)
  std::int64_t batch_size() const { return batch_size_; }
  const TensorDataset& dataset() const { return dataset_; }

  class Iterator {
   public:
    Batch operator*() const;
    Iterator& operator++() {
      ++batch_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return batch_ != o.batch_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, Tensor order, std::int64_t batch)
        : loader_(loader), order_(std::move(order)), batch_(batch) {}
    const DataLoader* loader_;
    Tensor order_;  // this epoch's permutation (undefined: in order)
    std::int64_t batch_;
  };
  Iterator begin();  // starts an epoch (draws its permutation)
  Iterator end() const { return Iterator(this, {}, size()); }

 private:
  TensorDataset dataset_;
  std::int64_t batch_size_;
  bool shuffle_, drop_last_;
  Generator gen_;
  std::shared_ptr<const DistributedSampler> sampler_;
  std::int64_t items() const { return sampler_ ? sampler_->size() : dataset_.size(); }  // per epoch
};

}  // namespace ramp::data
