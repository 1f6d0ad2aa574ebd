// The training loop the study's experiments share: an MLP on (a slice of) Fashion-MNIST, watched
// by a diagnostics::Monitor for dead units per epoch.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "ramp/nn/module.h"
#include "ramp/optim.h"
#include "study.h"

namespace ramp::study {

struct TrainSpec {
  std::function<std::shared_ptr<nn::Module>()> build;
  double lr = 0.1;
  bool adam = false;  // Adam (1.13's defaults but lr) instead of SGD without momentum
  int epochs = 3;
  std::int64_t train_images = 10000, test_images = 2000, batch = 64;
  std::uint64_t seed = 0;
  // Standardises the pixels with the training images' mean and std (torchvision's Normalize), as
  // the initialisation schemes assume zero-mean inputs; raw [0, 1] pixels otherwise.
  bool normalize = false;
  double clip = 0;  // clip_grad_norm_ max_norm, 0 for none
  // Called after each optimizer step with the step's total gradient norm before clipping (measured
  // only when this is set or clipping is on: clip_grad_norm_ costs ~20% of a small MLP's step).
  std::function<void(double)> on_grad_norm = nullptr;
  // Called after each optimizer step with the step's loss.
  std::function<void(double)> on_loss = nullptr;
  // Called after each epoch (progress bars).
  std::function<void()> on_epoch = nullptr;
  // Makes a learning-rate schedule for the optimizer (stepped once per epoch), or none.
  std::function<std::unique_ptr<optim::LRScheduler>(optim::Optimizer&)> schedule = nullptr;
};

struct TrainResult {
  std::vector<double> loss, accuracy;            // per epoch: mean training loss, test accuracy (%)
  std::vector<std::string> layers;               // the watched activation layers
  std::vector<std::vector<double>> dead;         // per epoch, per layer: dead fraction of units
  double seconds_per_epoch = 0;
  std::shared_ptr<nn::Module> model;             // the trained model (in eval mode), for probing
};

// Trains with SGD (no momentum) or Adam on the first train_images training images, seeded.
TrainResult train(const TrainSpec& spec);

// The training images and labels train(spec) uses, [train_images, 784] (standardised when
// spec.normalize) and [train_images]: Fashion-MNIST is read once per process.
std::pair<Tensor, Tensor> train_set(const TrainSpec& spec);

// The test images train(spec) evaluates on, [test_images, 784] (standardised when spec.normalize),
// for probing its trained model.
Tensor test_inputs(const TrainSpec& spec);

}  // namespace ramp::study
