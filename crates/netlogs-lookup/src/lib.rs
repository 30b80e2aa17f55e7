//! netlogs-lookup: the tools of the multi-turn lookup mode, where the model may ask for more
//! of the log before it answers. The tools answer from the same data the flow was drawn from
//! (and from its capture, when one is known), deterministically, with flow fields only: never
//! a label, a family or a capture. The CLI, `netlogs.LookupTools` and the trainer adapters
//! all answer through this crate, from one on-disk index per data source ([`index_for`]).

mod index;
mod memory;
mod source;
mod tools;

pub use index::{FlowIndex, IndexBuilder, IndexError, INDEX_VERSION};
pub use memory::FlowTable;
pub use source::{default_index_dir, index_for, LookupError};
pub use tools::{
    call, tool_definitions, Anchor, AnchorError, FlowStore, HostCounts, Key, Listing, ToolFlow,
    Window, SHOWN, TOOLS_VERSION,
};
