//! C# / .NET on the syntax layer (the shared JVM-style walk in [`super::jvm`]):
//! `new BasicAWSCredentials(k, s)` / `new SessionAWSCredentials(k, s, t)` passed to a client
//! constructor (`new AmazonS3Client(creds, RegionEndpoint.USEast1)` becomes
//! `new AmazonS3Client(RegionEndpoint.USEast1)`), credentials held in a field set in the
//! constructor, the key/secret constructor overloads (`new AmazonS3Client("AKIA…", "…",
//! RegionEndpoint.X)`), and `AWSOptions.Credentials` (assignment or object initializer). The SDK
//! then resolves credentials through its `FallbackCredentialsFactory` chain, which ends with the
//! instance or task role. `using` directives stay unless only the removed code used them.

use super::{FileToFix, Outcome, Rewriter};
use crate::syntax::Language;

/// The C# rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct CSharp;

impl Rewriter for CSharp {
    fn name(&self) -> &'static str {
        "csharp"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".cs") || path.ends_with(".csx")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        super::jvm::rewrite(Language::CSharp, file)
    }
}
