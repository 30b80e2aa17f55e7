pub mod audit;
pub mod eval;
pub mod score;
