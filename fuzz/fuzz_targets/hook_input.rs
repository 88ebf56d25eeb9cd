#![no_main]
//! See rolecall::fuzzing::hook_input for the input format and the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rolecall::fuzzing::hook_input(data));
