//! Issue 9, IAM inference rough edges: PowerShell's `Read-S3Object -KeyPrefix/-Folder` lists the
//! bucket (without `s3:ListBucket` the instance fails at boot), and `Copy-S3Object -LocalFile` is
//! a download (no `s3:PutObject`).

use rolecall::iam::actions::{Grant, Inferrer};

fn infer(path: &str, text: &str) -> Vec<(String, String)> {
    let mut grants: Vec<(String, String)> = Inferrer::builtin()
        .infer(path, text)
        .into_iter()
        .map(|g: Grant| (g.action, g.resource))
        .collect();
    grants.sort();
    grants
}

fn pair(action: &str, resource: &str) -> (String, String) {
    (action.to_string(), resource.to_string())
}

#[test]
fn issue_9_read_s3_object_with_a_prefix_lists_the_bucket() {
    for ps in [
        "Read-S3Object -BucketName boot-bucket -KeyPrefix app/ -Folder C:\\app\n",
        "Read-S3Object -BucketName boot-bucket -Folder C:\\app -KeyPrefix app\n",
    ] {
        assert_eq!(
            infer("user-data.ps1", ps),
            vec![
                pair("s3:GetObject", "arn:aws:s3:::boot-bucket/*"),
                pair("s3:ListBucket", "arn:aws:s3:::boot-bucket"),
            ],
            "{ps}"
        );
    }
    // One object by key: no listing.
    assert_eq!(
        infer(
            "user-data.ps1",
            "Read-S3Object -BucketName boot-bucket -Key app.json -File C:\\app.json\n"
        ),
        vec![pair("s3:GetObject", "arn:aws:s3:::boot-bucket/*")]
    );
}

#[test]
fn issue_9_copy_s3_object_to_a_local_file_is_a_download() {
    assert_eq!(
        infer(
            "user-data.ps1",
            "Copy-S3Object -BucketName boot-bucket -Key app.zip -LocalFile C:\\app.zip\n"
        ),
        vec![pair("s3:GetObject", "arn:aws:s3:::boot-bucket/*")]
    );
    // Bucket to bucket still writes the destination.
    let g = infer(
        "copy.ps1",
        "Copy-S3Object -BucketName src-bucket -Key a -DestinationBucket dst-bucket -DestinationKey b\n",
    );
    assert!(
        g.contains(&pair("s3:PutObject", "arn:aws:s3:::dst-bucket/*")),
        "{g:?}"
    );
}
