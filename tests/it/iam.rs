//! The IAM role artefacts for every runtime, built from realistic code in several languages:
//! JSON documents and Terraform parsed in-process (and by python3 and `terraform fmt -check` in
//! the conformance tier), CloudFormation parsed as JSON, and the documents kept as insta snapshots (placeholders only, no keys).

#[cfg(feature = "conformance")]
use crate::util::run;
use rolecall::iam::{build_artefacts, Format, IamCollector, IamConfig, Runtime};
#[cfg(feature = "conformance")]
use std::process::Command;

/// Code that makes AWS calls in several languages (no credentials in it).
const SOURCES: &[(&str, &str)] = &[
    (
        "jobs/export.py",
        "import boto3\n\nTABLE = 'orders'\ns3 = boto3.client('s3', region_name='eu-central-1')\nddb = boto3.client('dynamodb', region_name='eu-central-1')\nssm = boto3.client('ssm')\nsqs = boto3.client('sqs')\n\n\ndef run(day):\n    ddb.query(TableName=TABLE, IndexName='by-day', KeyConditionExpression='d = :d')\n    ddb.put_item(TableName='exports', Item={})\n    url = ssm.get_parameter(Name='/exports/webhook', WithDecryption=True)\n    s3.head_object(Bucket='acme-exports', Key=day)\n    s3.upload_file('/tmp/out.csv', 'acme-exports', day, ExtraArgs={'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'})\n    sqs.send_message(QueueUrl='https://sqs.eu-central-1.amazonaws.com/111122223333/exports-done', MessageBody=day)\n",
    ),
    (
        "web/src/upload.ts",
        "import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';\nimport { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\n\nconst s3 = new S3Client({ region: 'eu-central-1' });\nconst sns = new SNSClient({});\n\nexport async function save(key: string, body: string) {\n  await s3.send(new PutObjectCommand({ Bucket: 'acme-uploads', Key: key, Body: body }));\n  await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: key }));\n  await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-central-1:111122223333:uploads', Message: key }));\n}\n",
    ),
    (
        "svc/Reports.java",
        "import software.amazon.awssdk.services.s3.S3Client;\n\nclass Reports {\n  void list(S3Client s3) {\n    s3.listObjectsV2(ListObjectsV2Request.builder().bucket(\"acme-reports\").prefix(\"2024/\").build());\n  }\n}\n",
    ),
    ("ops/backup.sh", "#!/bin/sh\nset -eu\nBUCKET=acme-backups\naws s3 cp /var/backups/db.dump \"s3://$BUCKET/db/$(date +%F).dump\"\n"),
];

fn collector() -> IamCollector {
    let mut c = IamCollector::new();
    for (path, text) in SOURCES {
        c.add_file(path, text, false);
    }
    c
}

#[test]
fn permissions_from_several_languages_are_merged_sorted_and_stable() {
    let c = collector();
    let policy = c.permissions().expect("calls recognised");
    insta::assert_snapshot!(
        "multi_language_permissions",
        serde_json::to_string_pretty(&policy).unwrap()
    );
    // Input order does not change the output.
    let mut reversed = IamCollector::new();
    for (path, text) in SOURCES.iter().rev() {
        reversed.add_file(path, text, false);
    }
    assert_eq!(reversed.permissions(), Some(policy));
}

#[test]
fn every_runtime_renders_parseable_artefacts() {
    let c = collector();
    let mut trusts = String::new();
    for runtime in Runtime::ALL {
        let dir = tempfile::tempdir().unwrap();
        let config = IamConfig {
            runs_on: Some(runtime),
            formats: Vec::new(),
            role_name: "exports-role".into(),
            repo_root: None,
        };
        let art = build_artefacts(&c, &config);
        assert_eq!(art.runtime, runtime);
        assert!(art.guess.is_none());
        art.write(dir.path()).unwrap();
        for f in [
            "trust-policy.json",
            "permissions-policy.json",
            "role.cfn.json",
        ] {
            let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{runtime:?} {f}: {e}"));
            #[cfg(feature = "conformance")]
            {
                crate::util::require_tool("python3");
                let (code, _, err) = run(Command::new("python3")
                    .args(["-m", "json.tool"])
                    .arg(dir.path().join(f)));
                assert_eq!(code, 0, "{runtime:?} {f}: {err}");
            }
        }
        let tf = std::fs::read_to_string(dir.path().join("role.tf")).unwrap();
        crate::util::assert_syntax_ok(rolecall::syntax::Language::Hcl, "role.tf", &tf);
        #[cfg(feature = "conformance")]
        {
            crate::util::require_tool("terraform");
            let (code, out, err) = run(Command::new("terraform")
                .args(["fmt", "-check", "-diff"])
                .current_dir(dir.path()));
            assert_eq!(code, 0, "{runtime:?}: terraform fmt -check:\n{out}{err}");
        }
        let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
        for p in &art.placeholders {
            assert!(
                readme.contains(&format!("`{p}`:")),
                "{p} is explained in the README"
            );
        }
        let cfn: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("role.cfn.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(cfn["Resources"]["Role"]["Type"], "AWS::IAM::Role");
        assert_eq!(
            cfn["Resources"].get("InstanceProfile").is_some(),
            runtime == Runtime::Ec2
        );
        trusts.push_str(&format!(
            "## {}\n{}\n",
            runtime.as_str(),
            serde_json::to_string_pretty(&art.trust).unwrap()
        ));
    }
    insta::assert_snapshot!("trust_policies_per_runtime", trusts);
}

#[test]
fn github_trust_sub_comes_from_the_remote() {
    let repo = crate::util::TestRepo::new();
    repo.write("x.txt", "x\n");
    repo.commit("x");
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://github.com/acme/exporter.git",
    ]);
    let config = IamConfig {
        runs_on: Some(Runtime::GithubActions),
        formats: vec![Format::Json],
        role_name: "gh".into(),
        repo_root: Some(repo.path().to_path_buf()),
    };
    let art = build_artefacts(&collector(), &config);
    let sub = &art.trust["Statement"][0]["Condition"]["StringEquals"]
        ["token.actions.githubusercontent.com:sub"];
    assert_eq!(sub, "repo:acme/exporter:ref:refs/heads/main");
    assert!(!art.placeholders.iter().any(|p| p.contains("GITHUB")));
}

#[test]
fn irsa_takes_the_service_account_from_the_manifest() {
    let mut c = collector();
    c.add_file(
        "k8s/sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: exporter\n  namespace: batch\n",
        false,
    );
    let config = IamConfig {
        runs_on: None,
        formats: vec![Format::Json],
        role_name: "r".into(),
        repo_root: None,
    };
    let art = build_artefacts(&c, &config);
    assert_eq!(art.runtime, Runtime::EksIrsa);
    assert_eq!(art.guess.as_ref().unwrap().path, "k8s/sa.yaml");
    let cond = art.trust["Statement"][0]["Condition"]["StringEquals"]
        .as_object()
        .unwrap();
    let sub = cond.iter().find(|(k, _)| k.ends_with(":sub")).unwrap().1;
    assert_eq!(sub, "system:serviceaccount:batch:exporter");
    assert!(cond
        .keys()
        .all(|k| k.starts_with("oidc.eks.eu-central-1.amazonaws.com/id/REPLACE_ME_EKS_OIDC_ID")));
}
