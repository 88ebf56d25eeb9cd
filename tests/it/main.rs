//! rolecall's integration tests: one binary, one module per area, small helpers in `util`.
//! Every key is generated at run time (`rolecall::fake::FakeKeys`); none is written in this tree.

mod assembled_forms;
mod assembled_oracle;
mod baseline;
mod cli_scan;
mod encodings;
mod fix_awsini;
mod fix_cli;
mod fix_compose;
mod fix_csharp;
mod fix_ecs;
mod fix_gha;
mod fix_go;
mod fix_java;
mod fix_javascript;
mod fix_k8s;
mod fix_php;
mod fix_powershell;
mod fix_python;
mod fix_ruby;
mod fix_shell;
mod fix_terraform;
mod fixutil;
mod fleet;
mod fleet_docs;
mod fleet_shard;
mod fleet_state;
mod fleetutil;
mod history;
mod hook;
mod hook_daemon;
mod iam;
mod integrations;
#[cfg(feature = "conformance")]
mod integrations_tools;
mod pack_oracle;
mod range;
mod realworld;
mod rewrite;
mod staged;
mod util;
mod yamlview;
