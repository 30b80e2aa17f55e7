pub mod audit;
pub mod data;
pub mod eval;
pub mod score;
pub mod serve;
