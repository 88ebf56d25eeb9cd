#![no_main]
//! See rolecall::fuzzing::rewrite for the input format and the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rolecall::fuzzing::rewrite(data));
