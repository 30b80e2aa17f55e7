//! netlogs-baseline: `builtin:learned`, the classic flow classifier a security reader asks
//! for first, as a netlogs policy. Gradient-boosted trees (forust) over the fields a prompt
//! shows, calibrated on a held-back split (isotonic), answering with the action the rubric
//! rewards most at its probability (abstaining inside the rubric's abstain band).

mod calibrate;
mod error;
mod features;
mod model;
mod train;

pub use calibrate::Isotonic;
pub use error::BaselineError;
pub use features::{feature_names, features};
pub use model::{LearnedModel, ModelFile, TrainedOn, MODEL_VERSION};
pub use train::{train, TrainData, TrainReport};
