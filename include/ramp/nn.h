// Everything of ramp::nn: modules, layers, containers, activations, initialisers, the layers' ops,
// losses and gradient clipping.
#pragma once

#include "ramp/nn/activation.h"
#include "ramp/nn/container.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/init.h"
#include "ramp/nn/layers.h"
#include "ramp/nn/layers_more.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/module.h"
#include "ramp/nn/utils.h"
