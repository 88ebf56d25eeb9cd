//! rolecall's integration tests: one binary, one module per area, small helpers in `util`.
//! Every key is generated at run time (`rolecall::fake::FakeKeys`); none is written in this tree.

mod util;
mod fixutil;
mod history;
mod fix_k8s;
mod fix_compose;
mod fix_awsini;
mod fix_javascript;
mod fix_java;
mod fix_go;
mod fix_csharp;
mod fix_ecs;
mod fix_gha;
mod fix_ruby;
mod fix_terraform;
mod fix_php;
mod fix_shell;
mod fix_powershell;
mod fix_cli;
mod iam;
mod hook;
mod hook_daemon;
mod fix_python;
mod range;
mod staged;
mod baseline;
mod cli_scan;
mod rewrite;
