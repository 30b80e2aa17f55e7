pub mod audit;
pub mod compare;
pub mod data;
pub mod eval;
pub mod score;
pub mod serve;
pub mod view;
