// TensorDataset and DataLoader: batches gathered with index_select from a per-epoch permutation.
#include "ramp/data.h"
#include "ramp/ops.h"

namespace ramp::data {

TensorDataset::TensorDataset(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {
  RAMP_CHECK(!tensors_.empty(), "TensorDataset: expected at least one tensor");
  for (const Tensor& t : tensors_) {
    RAMP_CHECK(t.defined() && t.dim() > 0, "TensorDataset: every tensor needs a first dimension");
    RAMP_CHECK(t.size(0) == tensors_[0].size(0), "Size mismatch between tensors");
  }
  size_ = tensors_[0].size(0);
}

std::vector<Tensor> TensorDataset::get(std::int64_t i) const {
  std::vector<Tensor> item;
  for (const Tensor& t : tensors_) item.push_back(t.select(0, i));
  return item;
}

std::vector<Tensor> TensorDataset::get_batch(const Tensor& indices) const {
  std::vector<Tensor> batch;
  for (const Tensor& t : tensors_) batch.push_back(index_select(t, 0, indices));
  return batch;
}

DataLoader::DataLoader(Tensor inputs, Tensor targets, std::int64_t batch_size, bool shuffle,
                       std::optional<std::uint64_t> seed, bool drop_last)
    : dataset_({std::move(inputs), std::move(targets)}),
      batch_size_(batch_size),
      shuffle_(shuffle),
      drop_last_(drop_last) {
  RAMP_CHECK_T(ValueError, batch_size > 0, "batch_size should be a positive integer value, but got batch_size=",
               batch_size);
  if (!seed) seed = default_generator().with_engine([](Mt19937_64& g) { return g(); });
  gen_.manual_seed(*seed);
}

DataLoader::DataLoader(Tensor inputs, Tensor targets, std::int64_t batch_size,
                       std::shared_ptr<const DistributedSampler> sampler, bool drop_last)
    : DataLoader(std::move(inputs), std::move(targets), batch_size, false, 0, drop_last) {
  RAMP_CHECK_T(ValueError, sampler != nullptr, "DataLoader: sampler must not be null");
  RAMP_CHECK_T(ValueError, sampler->dataset_size() == dataset_.size(), "DataLoader: the sampler covers ",
               sampler->dataset_size(), " items but the dataset has ", dataset_.size());
  sampler_ = std::move(sampler);
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = items();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

DataLoader::Iterator DataLoader::begin() {
  if (sampler_) return Iterator(this, sampler_->indices(), 0);
  return Iterator(this, shuffle_ ? randperm(dataset_.size(), &gen_) : Tensor(), 0);
}

DataLoader::Batch DataLoader::Iterator::operator*() const {
  const std::int64_t bs = loader_->batch_size_, start = batch_ * bs;
  const std::int64_t len = std::min(bs, loader_->items() - start);
  const Tensor idx = order_.defined() ? order_.narrow(0, start, len) : arange(start, start + len);
  std::vector<Tensor> b = loader_->dataset_.get_batch(idx);
  return {b[0], b[1]};
}

}  // namespace ramp::data
