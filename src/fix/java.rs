//! Java on the syntax layer (the shared JVM walk in [`super::jvm`]): SDK v1 (`BasicAWSCredentials`
//! / `BasicSessionCredentials` wrapped in an `AWSStaticCredentialsProvider` and passed to a client
//! builder's `.withCredentials(…)`, or to `new AmazonS3Client(creds)`, which becomes
//! `AmazonS3ClientBuilder.defaultClient()`) and SDK v2 (`AwsBasicCredentials.create` in
//! `StaticCredentialsProvider.create` or a lambda passed to `.credentialsProvider(…)`). The
//! builder call goes, so the builder falls back to `DefaultAWSCredentialsProviderChain` (v1) or
//! `DefaultCredentialsProvider` (v2); the variables, fields and constants that held the
//! credentials go, and so do imports the rewrite left unused.

use super::{FileToFix, Outcome, Rewriter};
use crate::syntax::Language;

/// The Java rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Java;

impl Rewriter for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".java")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        super::jvm::rewrite(Language::Java, file)
    }
}
