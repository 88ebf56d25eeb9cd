//! Unit tests for the action table (with its traps), the runtime guesser and trust policies.

use super::actions::{Grant, Inferrer};
use super::trust::{github_repo_from_remote, trust_policy, TrustInputs};
use super::*;

fn infer(path: &str, text: &str) -> Vec<(String, String)> {
    Inferrer::builtin()
        .infer(path, text)
        .into_iter()
        .map(|g: Grant| (g.action, g.resource))
        .collect()
}

fn has(grants: &[(String, String)], action: &str, resource: &str) -> bool {
    grants.iter().any(|(a, r)| a == action && r == resource)
}

#[test]
fn builtin_table_parses_and_every_call_has_a_grant() {
    let inferrer = Inferrer::builtin();
    for call in &inferrer.table().call {
        assert!(!call.grant.is_empty(), "{:?} has no grant", call.names);
        for g in &call.grant {
            assert!(g.actions.iter().all(|a| a.contains(':')), "{:?}", g.actions);
        }
    }
}

#[test]
fn boto3_download_file_positional_bucket_is_object_arn() {
    let g = infer(
        "a.py",
        "s3 = boto3.client('s3')\ns3.download_file('reports-bucket', 'k.csv', '/tmp/k.csv')\n",
    );
    assert_eq!(
        g,
        vec![(
            "s3:GetObject".into(),
            "arn:aws:s3:::reports-bucket/*".into()
        )]
    );
}

#[test]
fn list_objects_v2_needs_list_bucket_on_the_bucket_arn() {
    let g = infer(
        "a.py",
        "s3 = boto3.client('s3')\nresp = s3.list_objects_v2(Bucket='logs-bucket', Prefix='x/')\n",
    );
    assert_eq!(
        g,
        vec![("s3:ListBucket".into(), "arn:aws:s3:::logs-bucket".into())]
    );
    let g = infer(
        "a.ps1",
        "Get-S3Object -BucketName logs-bucket -KeyPrefix x/ -Region eu-west-1\n",
    );
    assert_eq!(
        g,
        vec![("s3:ListBucket".into(), "arn:aws:s3:::logs-bucket".into())]
    );
    let g = infer("a.js", "const s3 = new S3Client({});\nawait s3.send(new ListObjectsV2Command({ Bucket: \"logs-bucket\" }));\n");
    assert_eq!(
        g,
        vec![("s3:ListBucket".into(), "arn:aws:s3:::logs-bucket".into())]
    );
}

#[test]
fn head_object_needs_get_object() {
    let g = infer(
        "a.py",
        "s3 = boto3.client('s3')\ns3.head_object(Bucket='b-one', Key='k')\n",
    );
    assert_eq!(
        g,
        vec![("s3:GetObject".into(), "arn:aws:s3:::b-one/*".into())]
    );
}

#[test]
fn copy_object_needs_get_on_source_and_put_on_target() {
    let py = "s3 = boto3.client('s3')\ns3.copy_object(CopySource={'Bucket': 'src-bucket', 'Key': 'a'}, Bucket='dst-bucket', Key='b')\n";
    let g = infer("a.py", py);
    assert!(
        has(&g, "s3:GetObject", "arn:aws:s3:::src-bucket/*"),
        "{g:?}"
    );
    assert!(
        has(&g, "s3:PutObject", "arn:aws:s3:::dst-bucket/*"),
        "{g:?}"
    );
    assert!(
        !has(&g, "s3:PutObject", "arn:aws:s3:::src-bucket/*"),
        "{g:?}"
    );
    let js = "import { S3Client } from '@aws-sdk/client-s3';\nnew CopyObjectCommand({ Bucket: 'dst-bucket', CopySource: 'src-bucket/a', Key: 'b' })\n";
    let g = infer("a.js", js);
    assert!(
        has(&g, "s3:GetObject", "arn:aws:s3:::src-bucket/*"),
        "{g:?}"
    );
    assert!(
        has(&g, "s3:PutObject", "arn:aws:s3:::dst-bucket/*"),
        "{g:?}"
    );
    let ps = "Copy-S3Object -BucketName src-bucket -Key a -DestinationBucket dst-bucket -DestinationKey b\n";
    let g = infer("a.ps1", ps);
    assert!(
        has(&g, "s3:GetObject", "arn:aws:s3:::src-bucket/*"),
        "{g:?}"
    );
    assert!(
        has(&g, "s3:PutObject", "arn:aws:s3:::dst-bucket/*"),
        "{g:?}"
    );
    let same = infer(
        "a.ps1",
        "Copy-S3Object -BucketName one-bucket -Key a -DestinationKey b\n",
    );
    assert!(
        has(&same, "s3:PutObject", "arn:aws:s3:::one-bucket/*"),
        "{same:?}"
    );
}

#[test]
fn read_s3_object_and_write_s3_object() {
    let ps = "Read-S3Object -BucketName 'cfg-bucket' -Key app.json -File C:\\app.json\nWrite-S3Object -BucketName out-bucket -File log.txt -Key logs/log.txt\n";
    let g = infer("user-data.ps1", ps);
    assert_eq!(
        g,
        vec![
            ("s3:GetObject".into(), "arn:aws:s3:::cfg-bucket/*".into()),
            ("s3:PutObject".into(), "arn:aws:s3:::out-bucket/*".into()),
        ]
    );
}

#[test]
fn sse_kms_needs_generate_data_key_and_decrypt() {
    let py = "s3 = boto3.client('s3')\ns3.put_object(Bucket='enc-bucket', Key='k', Body=b'x', ServerSideEncryption='aws:kms')\ns3.get_object(Bucket='enc-bucket', Key='k')\n";
    let g = infer("a.py", py);
    let key = "arn:aws:kms:REPLACE_ME_REGION:REPLACE_ME_ACCOUNT_ID:key/REPLACE_ME_KMS_KEY_ID";
    assert!(has(&g, "kms:GenerateDataKey", key), "{g:?}");
    assert!(has(&g, "kms:Decrypt", key), "{g:?}");
    let ps = "Write-S3Object -BucketName enc-bucket -File f -Key k -ServerSideEncryption aws:kms -ServerSideEncryptionKeyManagementServiceKeyId 1234abcd-12ab-34cd-56ef-1234567890ab\n";
    let g = infer("a.ps1", ps);
    let key = "arn:aws:kms:REPLACE_ME_REGION:REPLACE_ME_ACCOUNT_ID:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    assert!(has(&g, "kms:GenerateDataKey", key), "{g:?}");
    // Without SSE-KMS, no KMS permission.
    let g = infer(
        "a.py",
        "s3 = boto3.client('s3')\ns3.put_object(Bucket='plain-bucket', Key='k', Body=b'x')\n",
    );
    assert!(g.iter().all(|(a, _)| !a.starts_with("kms:")), "{g:?}");
}

#[test]
fn unknown_names_become_marked_placeholders_and_variables_resolve() {
    let g = infer(
        "a.py",
        "s3 = boto3.client('s3')\ns3.download_file(bucket_from_env(), 'k', 'f')\n",
    );
    assert_eq!(
        g,
        vec![(
            "s3:GetObject".into(),
            "arn:aws:s3:::REPLACE_ME_BUCKET/*".into()
        )]
    );
    let g = infer(
        "a.py",
        "BUCKET = \"data-bucket\"\ns3 = boto3.client('s3')\ns3.download_file(BUCKET, 'k', 'f')\n",
    );
    assert_eq!(
        g,
        vec![("s3:GetObject".into(), "arn:aws:s3:::data-bucket/*".into())]
    );
    let g = infer(
        "a.ps1",
        "$bucket = 'ps-bucket'\nRead-S3Object -BucketName $bucket -Key k -File f\n",
    );
    assert_eq!(
        g,
        vec![("s3:GetObject".into(), "arn:aws:s3:::ps-bucket/*".into())]
    );
    let g = infer(
        "a.py",
        "s3 = boto3.client('s3')\ns3.download_file(f'{env}-bucket', 'k', 'f')\n",
    );
    assert_eq!(
        g,
        vec![(
            "s3:GetObject".into(),
            "arn:aws:s3:::REPLACE_ME_BUCKET/*".into()
        )]
    );
}

#[test]
fn other_languages_map_to_the_same_actions() {
    let java = "AmazonS3 s3 = AmazonS3ClientBuilder.standard().build();\nS3Object o = s3.getObject(\"java-bucket\", \"k\");\n";
    assert!(has(
        &infer("A.java", java),
        "s3:GetObject",
        "arn:aws:s3:::java-bucket/*"
    ));
    let java2 = "S3Client s3 = S3Client.create();\ns3.listObjectsV2(ListObjectsV2Request.builder().bucket(\"j2-bucket\").build());\n";
    assert!(has(
        &infer("A.java", java2),
        "s3:ListBucket",
        "arn:aws:s3:::j2-bucket"
    ));
    let go = "svc := s3.New(sess)\nout, err := svc.GetObject(&s3.GetObjectInput{\n\tBucket: aws.String(\"go-bucket\"),\n\tKey: aws.String(\"k\"),\n})\n";
    assert!(has(
        &infer("main.go", go),
        "s3:GetObject",
        "arn:aws:s3:::go-bucket/*"
    ));
    let cs = "var s3 = new AmazonS3Client();\nvar req = new GetObjectRequest\n{\n    BucketName = \"cs-bucket\",\n    Key = \"k\"\n};\nvar resp = await s3.GetObjectAsync(req);\n";
    let g = infer("A.cs", cs);
    assert_eq!(
        g,
        vec![("s3:GetObject".into(), "arn:aws:s3:::cs-bucket/*".into())],
        "a request object adds no placeholder"
    );
    let rb = "s3 = Aws::S3::Client.new\ns3.put_object(bucket: 'rb-bucket', key: 'k', body: 'x')\n";
    assert!(has(
        &infer("a.rb", rb),
        "s3:PutObject",
        "arn:aws:s3:::rb-bucket/*"
    ));
    let php = "$s3 = new Aws\\S3\\S3Client([]);\n$s3->getObject(['Bucket' => 'php-bucket', 'Key' => 'k']);\n";
    assert!(has(
        &infer("a.php", php),
        "s3:GetObject",
        "arn:aws:s3:::php-bucket/*"
    ));
}

#[test]
fn aws_cli_s3_direction_follows_the_s3_url() {
    let sh = "#!/bin/sh\naws s3 cp s3://in-bucket/data.csv /tmp/data.csv\naws s3 cp /tmp/out.csv s3://out-bucket/out.csv --sse aws:kms\naws s3 ls s3://in-bucket/\n";
    let g = infer("run.sh", sh);
    assert!(has(&g, "s3:GetObject", "arn:aws:s3:::in-bucket/*"), "{g:?}");
    assert!(
        has(&g, "s3:PutObject", "arn:aws:s3:::out-bucket/*"),
        "{g:?}"
    );
    assert!(has(&g, "s3:ListBucket", "arn:aws:s3:::in-bucket"), "{g:?}");
    assert!(
        !has(&g, "s3:PutObject", "arn:aws:s3:::in-bucket/*"),
        "{g:?}"
    );
    assert!(g.iter().any(|(a, _)| a == "kms:GenerateDataKey"), "{g:?}");
    let g = infer("sync.sh", "aws s3 sync ./site s3://web-bucket --delete\n");
    assert!(has(&g, "s3:ListBucket", "arn:aws:s3:::web-bucket"), "{g:?}");
    assert!(
        has(&g, "s3:DeleteObject", "arn:aws:s3:::web-bucket/*"),
        "{g:?}"
    );
}

#[test]
fn other_services_with_literal_names() {
    let py = "import boto3\nssm = boto3.client('ssm')\ndb = boto3.resource('dynamodb')\nsm = boto3.client('secretsmanager')\nsqs = boto3.client('sqs')\nsns = boto3.client('sns')\n\
              ssm.get_parameter(Name='/app/db-url', WithDecryption=True)\n\
              sm.get_secret_value(SecretId='prod/api')\n\
              table.get_item(TableName='orders', Key={})\n\
              table.query(TableName='orders', IndexName='by-date')\n\
              sqs.send_message(QueueUrl='https://sqs.eu-west-1.amazonaws.com/111122223333/jobs', MessageBody='x')\n\
              sns.publish(TopicArn='arn:aws:sns:eu-west-1:111122223333:alerts', Message='x')\n";
    let g = infer("a.py", py);
    let acct = "REPLACE_ME_ACCOUNT_ID";
    let region = "REPLACE_ME_REGION";
    assert!(
        has(
            &g,
            "ssm:GetParameter",
            &format!("arn:aws:ssm:{region}:{acct}:parameter/app/db-url")
        ),
        "{g:?}"
    );
    assert!(
        has(
            &g,
            "secretsmanager:GetSecretValue",
            &format!("arn:aws:secretsmanager:{region}:{acct}:secret:prod/api-??????")
        ),
        "{g:?}"
    );
    assert!(
        has(
            &g,
            "dynamodb:GetItem",
            &format!("arn:aws:dynamodb:{region}:{acct}:table/orders")
        ),
        "{g:?}"
    );
    assert!(
        has(
            &g,
            "dynamodb:Query",
            &format!("arn:aws:dynamodb:{region}:{acct}:table/orders/index/*")
        ),
        "{g:?}"
    );
    assert!(
        has(
            &g,
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:111122223333:jobs"
        ),
        "{g:?}"
    );
    assert!(
        has(
            &g,
            "sns:Publish",
            "arn:aws:sns:eu-west-1:111122223333:alerts"
        ),
        "{g:?}"
    );
}

#[test]
fn generic_names_need_the_service_in_the_file() {
    assert!(infer("a.py", "db.query('select 1')\nbus.publish(event)\n").is_empty());
    assert!(infer("a.py", "def get_object(self, bucket):\n    return None\n").is_empty());
}

#[test]
fn merge_groups_sorts_and_dedups() {
    let g = |a: &str, r: &str| Grant {
        action: a.into(),
        resource: r.into(),
        path: "p".into(),
        line: 1,
        call: "c".into(),
    };
    let grants = vec![
        g("s3:PutObject", "arn:aws:s3:::b/*"),
        g("s3:GetObject", "arn:aws:s3:::b/*"),
        g("s3:GetObject", "arn:aws:s3:::b/*"),
        g("s3:ListBucket", "arn:aws:s3:::b"),
        g("s3:GetObject", "arn:aws:s3:::a/*"),
    ];
    let p = merge(&grants).unwrap();
    let st = p["Statement"].as_array().unwrap();
    assert_eq!(st.len(), 3, "{p:#}");
    assert_eq!(st[0]["Action"], json!(["s3:GetObject"]));
    assert_eq!(st[0]["Resource"], json!(["arn:aws:s3:::a/*"]));
    assert_eq!(st[1]["Action"], json!(["s3:GetObject", "s3:PutObject"]));
    assert_eq!(st[2]["Action"], json!(["s3:ListBucket"]));
    let mut shuffled = grants.clone();
    shuffled.reverse();
    assert_eq!(merge(&shuffled), Some(p));
    assert_eq!(merge(&[]), None);
}

fn guess(files: &[(&str, &str, bool)]) -> Guess {
    let mut c = IamCollector::new();
    for (p, t, f) in files {
        c.add_file(p, t, *f);
    }
    c.guess()
}

#[test]
fn guesser_reads_the_repository() {
    let ud = "<powershell>\nSet-AWSCredential -AccessKey x -SecretKey y\n</powershell>\n";
    assert_eq!(
        guess(&[("scripts/user-data.ps1", ud, true)]).runtime,
        Runtime::Ec2
    );
    let td = "{\"family\": \"web\", \"containerDefinitions\": []}";
    assert_eq!(
        guess(&[("deploy/task-def.json", td, true)]).runtime,
        Runtime::Ecs
    );
    assert_eq!(
        guess(&[(".github/workflows/ci.yml", "on: push\n", true)]).runtime,
        Runtime::GithubActions
    );
    let sam = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n";
    assert_eq!(
        guess(&[("template.yaml", sam, false)]).runtime,
        Runtime::Lambda
    );
    assert_eq!(
        guess(&[("app.py", "def handler(event, context):\n    pass\n", true)]).runtime,
        Runtime::Lambda
    );
    let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker\n  namespace: jobs\n";
    assert_eq!(
        guess(&[("k8s/sa.yaml", sa, false)]).runtime,
        Runtime::EksIrsa
    );
    // A CI workflow without keys does not outweigh the file that holds them.
    let g = guess(&[
        (".github/workflows/ci.yml", "on: push\n", false),
        ("app.py", "def handler(event, context):\n    pass\n", true),
    ]);
    assert_eq!(g.runtime, Runtime::Lambda);
    assert_eq!(g.path, "app.py");
    let g = guess(&[("README.md", "hello", false)]);
    assert_eq!(g.runtime, Runtime::Ec2);
    assert!(g.reason.contains("defaulting"));
}

#[test]
fn trust_policies_per_runtime() {
    let t = |r| trust_policy(&TrustInputs::placeholders(r));
    assert_eq!(
        t(Runtime::Ec2)["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    assert_eq!(
        t(Runtime::Ecs)["Statement"][0]["Principal"]["Service"],
        "ecs-tasks.amazonaws.com"
    );
    assert_eq!(
        t(Runtime::Lambda)["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    let pi = t(Runtime::EksPodIdentity);
    assert_eq!(
        pi["Statement"][0]["Principal"]["Service"],
        "pods.eks.amazonaws.com"
    );
    assert_eq!(
        pi["Statement"][0]["Action"],
        json!(["sts:AssumeRole", "sts:TagSession"])
    );
    let irsa = t(Runtime::EksIrsa);
    assert_eq!(
        irsa["Statement"][0]["Action"],
        "sts:AssumeRoleWithWebIdentity"
    );
    let cond = irsa["Statement"][0]["Condition"]["StringEquals"]
        .as_object()
        .unwrap();
    assert!(cond.keys().any(|k| k.ends_with(":sub")) && cond.keys().any(|k| k.ends_with(":aud")));
    let gh = t(Runtime::GithubActions);
    let cond = &gh["Statement"][0]["Condition"]["StringEquals"];
    assert_eq!(
        cond["token.actions.githubusercontent.com:aud"],
        "sts.amazonaws.com"
    );
    assert!(cond["token.actions.githubusercontent.com:sub"]
        .as_str()
        .unwrap()
        .starts_with("repo:REPLACE_ME_GITHUB_OWNER/"));
}

#[test]
fn github_remotes_parse() {
    for url in [
        "git@github.com:acme/widgets.git",
        "https://github.com/acme/widgets",
        "https://github.com/acme/widgets.git",
        "ssh://git@github.com/acme/widgets.git",
        "https://tok@github.com/acme/widgets.git",
    ] {
        assert_eq!(
            github_repo_from_remote(url).as_deref(),
            Some("acme/widgets"),
            "{url}"
        );
    }
    assert_eq!(
        github_repo_from_remote("https://gitlab.com/acme/widgets.git"),
        None
    );
    assert_eq!(github_repo_from_remote("git@github.com:acme"), None);
}

#[test]
fn issue10_bedrock_runtime_calls_need_the_invoke_actions() {
    let g = infer(
        "chat.py",
        "br = boto3.client('bedrock-runtime')\nr = br.converse(modelId=MODEL, messages=m)\n\
         s = br.invoke_model_with_response_stream(modelId=MODEL, body=b)\n",
    );
    assert!(has(&g, "bedrock:InvokeModel", "*"), "{g:?}");
    assert!(
        has(&g, "bedrock:InvokeModelWithResponseStream", "*"),
        "{g:?}"
    );
    let js = infer(
        "chat.ts",
        "const c = new BedrockRuntimeClient({});\nawait c.send(new ConverseStreamCommand({ modelId }));\n",
    );
    assert!(
        has(&js, "bedrock:InvokeModelWithResponseStream", "*"),
        "{js:?}"
    );
    // Without Bedrock in the file, a `converse(` call is someone else's.
    assert!(infer("talk.py", "bot.converse(text)\n").is_empty());
}

/// Python calls are read from the syntax tree: a call quoted in a comment or a string is not a
/// call, bucket names assembled from constants fold, names bound once resolve, and a bucket that
/// is only known at run time stays a placeholder.
#[test]
fn issue11_python_calls_come_from_the_syntax_tree() {
    let text = "import boto3\n\
        PREFIX = \"acme-\"\n\
        BUCKET = PREFIX + \"exports\"\n\
        LOGS = \"acme-\" \"logs\"\n\
        s3 = boto3.client(\"s3\")\n\
        # s3.delete_object(Bucket=\"old-bucket\", Key=\"x\")\n\
        HELP = \"call s3.put_object(Bucket='doc-bucket')\"\n\
        s3.get_object(Bucket=LOGS, Key=\"k\")\n\
        s3.put_object(\n    Bucket=f\"{PREFIX}exports\",\n    Key=\"k\",\n    Body=b\"\",\n)\n\
        s3.copy_object(CopySource={\"Bucket\": \"acme-src\", \"Key\": \"a\"}, Bucket=\"acme-dst\", Key=\"b\")\n";
    let g = infer("jobs/export.py", text);
    assert!(has(&g, "s3:GetObject", "arn:aws:s3:::acme-logs/*"), "{g:?}");
    assert!(
        has(&g, "s3:PutObject", "arn:aws:s3:::REPLACE_ME_BUCKET/*"),
        "{g:?}"
    );
    assert!(
        !g.iter().any(|(a, r)| a == "s3:DeleteObject"
            || r.contains("doc-bucket")
            || r.contains("old-bucket")),
        "{g:?}"
    );
    assert!(has(&g, "s3:PutObject", "arn:aws:s3:::acme-dst/*"), "{g:?}");
    let lines: Vec<u32> = Inferrer::builtin()
        .infer("jobs/export.py", text)
        .iter()
        .map(|g| g.line)
        .collect();
    assert!(lines.contains(&8) && lines.contains(&9), "{lines:?}");
}

#[test]
fn ruby_and_php_calls_are_read_from_the_tree() {
    let rb = "BUCKET = 'rb-tree-bucket'\ns3 = Aws::S3::Client.new\n# s3.delete_object(bucket: 'commented', key: 'k')\ns3.get_object(bucket: BUCKET, key: params[:key])\n";
    let g = infer("a.rb", rb);
    assert!(
        has(&g, "s3:GetObject", "arn:aws:s3:::rb-tree-bucket/*"),
        "{g:?}"
    );
    assert!(!g.iter().any(|(a, _)| a == "s3:DeleteObject"), "{g:?}");
    let php = "<?php\n$bucket = 'php-tree-bucket';\n$s3 = new Aws\\S3\\S3Client(['region' => 'x']);\n// $s3->deleteObject(['Bucket' => 'commented', 'Key' => 'k']);\n$s3->getObject([\n    'Bucket' => $bucket,\n    'Key' => $key,\n]);\n";
    let g = infer("a.php", php);
    assert!(
        has(&g, "s3:GetObject", "arn:aws:s3:::php-tree-bucket/*"),
        "{g:?}"
    );
    assert!(!g.iter().any(|(a, _)| a == "s3:DeleteObject"), "{g:?}");
}

#[test]
fn powershell_commands_are_read_from_the_tree() {
    // A here-string that mentions a cmdlet is text, not a call.
    let ps = "$b = 'tree-ps-bucket'\n$doc = @'\nRemove-S3Object -BucketName doc-bucket -Key k\n'@\nRead-S3Object -BucketName $b -Key cfg.json -File C:\\cfg.json\n";
    let g = infer("deploy.ps1", ps);
    assert!(
        has(&g, "s3:GetObject", "arn:aws:s3:::tree-ps-bucket/*"),
        "{g:?}"
    );
    assert!(!g.iter().any(|(a, _)| a == "s3:DeleteObject"), "{g:?}");
}

#[test]
fn issue11_javascript_and_go_calls_map_to_actions() {
    let v2 = "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\ns3.getObject({ Bucket: 'js-bucket', Key: 'k' }).promise();\n";
    assert!(has(
        &infer("a.js", v2),
        "s3:GetObject",
        "arn:aws:s3:::js-bucket/*"
    ));
    let v3 = "import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';\nconst BUCKET = 'ts-bucket';\nconst client = new S3Client({});\nawait client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));\n";
    assert!(has(
        &infer("a.ts", v3),
        "s3:PutObject",
        "arn:aws:s3:::ts-bucket/*"
    ));
    let go = "package main\n\nfunc main() {\n\tsvc := s3.New(sess)\n\tsvc.PutObject(&s3.PutObjectInput{\n\t\tBucket: aws.String(\"go-bucket\"),\n\t\tKey:    aws.String(\"k\"),\n\t})\n}\n";
    assert!(has(
        &infer("main.go", go),
        "s3:PutObject",
        "arn:aws:s3:::go-bucket/*"
    ));
}
