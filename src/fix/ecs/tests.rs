//! Tests of the ECS task definition rewriter, on the whole `fix_text` path where they check
//! output (parse guard and rescan included).

use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;
use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
use crate::fix::{fix_text, FileFix};
use proptest::prelude::*;
use std::sync::OnceLock;

const ENV: &[&str] = &[
    "        { \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" }",
    "        { \"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"{SECRET}\" }",
    "        {\n          \"name\": \"AWS_SESSION_TOKEN\",\n          \"value\": \"{TOKEN}\"\n        }",
    "        { \"name\": \"MODE\", \"value\": \"prod\" }",
];

/// A task definition whose containers' environments are drawn from `ENV`, with line ranges
/// of each environment array.
fn task(envs: &[Vec<&str>], role: bool) -> Vec<String> {
    let mut parts = vec![format!(
        "{{\n  \"family\": \"app\",{}\n  \"containerDefinitions\": [",
        if role {
            "\n  \"taskRoleArn\": \"\","
        } else {
            ""
        }
    )];
    for (i, env) in envs.iter().enumerate() {
        let comma = if i + 1 < envs.len() { "," } else { "" };
        parts.push(format!("    {{\n      \"name\": \"c{i}\",\n      \"environment\": [\n{}\n      ]\n    }}{comma}", env.join(",\n")));
    }
    parts.push("  ]\n}".into());
    parts
}

/// Whether `text` is strict JSON (serde) and parses with no error in the grammar.
fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok()
        && parse(Language::Json, text).is_ok_and(|p| p.errors() == 0)
}

/// The text a rewrite's edits make (before the framework's guard), when they change anything.
/// Every key of these task definitions sits in an `environment` entry, so none may stay manual.
fn rewritten(text: &str, outcome: Outcome) -> Option<String> {
    match outcome {
        Outcome::Edits { edits, manual, .. } => {
            assert!(manual.is_empty(), "{manual:?}\n{text}");
            let applied = edits.apply();
            assert!(applied.rejected.is_empty(), "{:?}", applied.rejected);
            (applied.text != text).then_some(applied.text)
        }
        Outcome::NotHandled => None, // no key
        other => panic!("an ECS rewrite returns edits, not {other:?}"),
    }
}

fn detector() -> &'static Detector {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    DETECTOR.get_or_init(Detector::builtin)
}

/// Expands `template`'s key placeholders and fixes it as `task.json`.
fn fixed(template: &str, seed: u64) -> (String, FileFix) {
    let text = FakeKeys::new(seed).expand(template);
    let fix = fix_text(detector(), "task.json", &text);
    assert_eq!(fix.rewriter, Some("ecs-task-definition"));
    (text, fix)
}

/// The role ARN a patched text names in `taskRoleArn` (the placeholder built from the key).
fn arn_in(new: &str) -> &str {
    let at = new.find("\"taskRoleArn\"").expect("a taskRoleArn") + "\"taskRoleArn\"".len();
    let value = &new[at..];
    let value = &value[value.find('"').unwrap() + 1..];
    let arn = &value[..value.find('"').unwrap()];
    assert!(arn.starts_with("arn:aws:iam::") && arn.ends_with(":role/<ROLE_NAME>"));
    arn
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn ecs_rewrites_stay_in_environments_with_a_finding(envs in prop::collection::vec(prop::collection::vec(prop::sample::select(ENV), 1..4), 1..4), role: bool, seed: u64) {
        let parts = task(&envs, role);
        let (text, ranges) = chunks(&parts, seed, "\n");
        prop_assert!(is_json(&text), "{}", text);
        let (matches, outcome) = run(&EcsTaskDefinitionRewriter, "task.json", &text);
        // A key ID is always found, so its entry must go (a lone secret may not be found).
        let keyed = envs.iter().flatten().any(|e| e.contains("{AKIA}"));
        let new = rewritten(&text, outcome);
        prop_assert!(!keyed || (!matches.is_empty() && new.is_some()), "{}", text);
        if let Some(new) = new {
            prop_assert!(is_json(&new), "{}", new);
            prop_assert!(new.contains("\"taskRoleArn\": \"arn:aws:iam::"), "{}", new);
            let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
            let mut allowed: Vec<Range<usize>> = ranges[1..ranges.len() - 1]
                .iter()
                .filter(|r| hit.iter().any(|h| r.contains(h)))
                .cloned()
                .collect();
            allowed.push(2..3); // an empty taskRoleArn gets its value
            assert_within("task.json", &text, &new, &allowed);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_json_parser(text in "(?s)([ -~\\n{}\\[\\],:\"]|\\PC){0,300}", seed: u64) {
        let (keys, _) = chunks(&["{\"containerDefinitions\":[{\"environment\":[{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"{AKIA}\"}]}]}".into()], seed, "\n");
        let _ = run(&EcsTaskDefinitionRewriter, "t.json", &(keys.clone() + &text));
        let _ = run(&EcsTaskDefinitionRewriter, "t.json", &(text + &keys));
        let _ = parse(Language::Json, &"[".repeat(10_000));
        let _ = run(&EcsTaskDefinitionRewriter, "t.json", &("[".repeat(10_000) + &keys));
    }

    /// The parse guard holds on whatever surrounds a task definition: a patch never has more
    /// syntax errors than the file had.
    #[test]
    fn patches_never_add_syntax_errors(text in "(?s)([ -~\\n{}\\[\\],:\"]|\\PC){0,200}", seed: u64, before: bool) {
        let (keys, _) = chunks(&["{\"containerDefinitions\":[{\"environment\":[{\"name\":\"M\",\"value\":\"x\"},{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"{AKIA}\"}]}]}".into()], seed, "\n");
        let whole = if before { text + &keys } else { keys + &text };
        let fix = fix_text(detector(), "t.json", &whole);
        if let Some(new) = &fix.new {
            let (old, new) = (parse(Language::Json, &whole).unwrap(), parse(Language::Json, new).unwrap());
            prop_assert!(new.errors() <= old.errors(), "{}\n=>\n{}", whole, new.text());
        }
    }
}

#[test]
fn issue11_names_and_keys_are_compared_decoded() {
    let template = r#"{
  "family": "api",
  "containerDefinitions": [
    {
      "name": "api",
      "environment": [
        { "name": "MODE", "value": "prod" },
        { "name": "AWS_ACCESS_KEY_ID", "value": "{AKIA}" },
        { "\u006eame": "\u0041WS_SECRET_ACCESS_KEY", "value": "see-vault" }
      ]
    }
  ]
}
"#;
    let (_, fix) = fixed(template, 1);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    let expected = format!(
        "{{\n  \"family\": \"api\",\n  \"taskRoleArn\": \"{arn}\",\n  \"containerDefinitions\": [\n    {{\n      \"name\": \"api\",\n      \"environment\": [\n        {{ \"name\": \"MODE\", \"value\": \"prod\" }}\n      ]\n    }}\n  ]\n}}\n"
    );
    assert_eq!(new, expected);
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
}

#[test]
fn issue11_a_key_in_the_last_entry_takes_the_comma_before_it() {
    let template = "{\"family\":\"a\",\"containerDefinitions\":[{\"name\":\"a\",\"environment\":[{\"name\":\"MODE\",\"value\":\"prod\"},{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"{AKIA}\"}]}]}\n";
    let (_, fix) = fixed(template, 2);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    assert_eq!(
        new,
        format!("{{\"family\":\"a\",\"taskRoleArn\":\"{arn}\",\"containerDefinitions\":[{{\"name\":\"a\",\"environment\":[{{\"name\":\"MODE\",\"value\":\"prod\"}}]}}]}}\n")
    );
    assert!(is_json(&new));
}

#[test]
fn issue11_crlf_files_keep_their_line_endings() {
    let template = "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"web\",\n      \"environment\": [\n        { \"name\": \"MODE\", \"value\": \"prod\" },\n        { \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" },\n        { \"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"{SECRET}\" }\n      ]\n    }\n  ]\n}\n"
        .replace('\n', "\r\n");
    let (_, fix) = fixed(&template, 3);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    let expected = format!("{{\n  \"family\": \"web\",\n  \"taskRoleArn\": \"{arn}\",\n  \"containerDefinitions\": [\n    {{\n      \"name\": \"web\",\n      \"environment\": [\n        {{ \"name\": \"MODE\", \"value\": \"prod\" }}\n      ]\n    }}\n  ]\n}}\n")
        .replace('\n', "\r\n");
    assert_eq!(new, expected);
}

#[test]
fn issue11_secrets_and_environment_files_are_left_alone() {
    let template = r#"{
  "family": "worker",
  "taskRoleArn": "arn:aws:iam::111122223333:role/worker",
  "containerDefinitions": [
    {
      "name": "worker",
      "environment": [
        { "name": "AWS_ACCESS_KEY_ID", "value": "{AKIA}" },
        { "name": "AWS_SECRET_ACCESS_KEY", "value": "{SECRET}" },
        { "name": "QUEUE", "value": "jobs" }
      ],
      "secrets": [
        { "name": "AWS_SECRET_ACCESS_KEY", "valueFrom": "arn:aws:ssm:eu-west-1:111122223333:parameter/worker/secret" },
        { "name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db" }
      ],
      "environmentFiles": [
        { "value": "arn:aws:s3:::worker-config/AWS_ACCESS_KEY_ID.env", "type": "s3" }
      ]
    }
  ]
}
"#;
    let (text, fix) = fixed(template, 4);
    let new = fix.new.expect("rewritten");
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("        { \"name\": \"AWS_") && l.contains("\"value\": "))
        .collect();
    assert_eq!(keys.len(), 2, "{text}");
    let mut expected = text.clone();
    for line in keys {
        expected = expected.replace(&format!("{line}\n"), "");
    }
    assert_eq!(new, expected);
    assert_eq!(
        fix.notes,
        vec!["task definition \"worker\": the containers now use its existing taskRoleArn; make sure that role allows what the removed key allowed"]
    );
}

#[test]
fn issue11_a_syntax_error_around_a_key_makes_it_manual() {
    let trailing = "{\n  \"family\": \"a\",\n  \"containerDefinitions\": [\n    {\n      \"environment\": [\n        { \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" },\n        { \"name\": \"MODE\", \"value\": \"prod\" },\n      ]\n    }\n  ]\n}\n";
    let missing = "{\"family\":\"a\",\"containerDefinitions\":[{\"environment\":[{\"name\":\"AWS_ACCESS_KEY_ID\" \"value\":\"{AKIA}\"}]}]}\n";
    let garbled = "{\"family\":\"a\",\"containerDefinitions\":[{\"environment\":[{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":'{AKIA}'}]}]}\n";
    let cases = [
        (
            trailing,
            "the `environment` list holding the key has a syntax error (line 7)",
        ),
        (
            missing,
            "the `environment` list holding the key has a syntax error (line 1)",
        ),
        (
            garbled,
            "the JSON around the key does not parse (a syntax error at line 1)",
        ),
    ];
    for (template, reason) in cases {
        let (text, fix) = fixed(template, 5);
        assert!(fix.new.is_none(), "{text}");
        assert_eq!(fix.manual.len(), 1, "{text}: {:?}", fix.manual);
        assert!(
            fix.manual[0].reason.starts_with(reason),
            "{text}: {}",
            fix.manual[0].reason
        );
        assert!(fix.manual[0].advice.contains("ecs-tasks.amazonaws.com"));
    }
}

#[test]
fn issue11_a_trailing_comma_elsewhere_does_not_stop_the_fix() {
    let template = "{\n  \"family\": \"a\",\n  \"requiresCompatibilities\": [\"FARGATE\",],\n  \"containerDefinitions\": [\n    { \"environment\": [\n        { \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" }\n    ] }\n  ]\n}\n";
    let (text, fix) = fixed(template, 6);
    let new = fix.new.expect("rewritten");
    assert!(new.contains("\"environment\": [] }"), "{new}");
    assert!(new.contains("[\"FARGATE\",],"), "{new}");
    let errors = |t: &str| parse(Language::Json, t).unwrap().errors();
    assert_eq!(errors(&new), errors(&text));
}

#[test]
fn issue11_comments_are_kept_and_a_key_in_one_goes() {
    let template = "{\n  // deployed by hand\n  \"family\": \"web\", // the service\n  \"containerDefinitions\": [\n    {\n      \"name\": \"web\",\n      \"environment\": [\n        { \"name\": \"MODE\", \"value\": \"prod\" }, // stays\n        { \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" } // rotated 2024\n      ]\n    }\n  ]\n  /* old key: {AKIA} */\n}\n";
    let (_, fix) = fixed(template, 7);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    assert_eq!(
        new,
        format!("{{\n  // deployed by hand\n  \"family\": \"web\", // the service\n  \"taskRoleArn\": \"{arn}\",\n  \"containerDefinitions\": [\n    {{\n      \"name\": \"web\",\n      \"environment\": [\n        {{ \"name\": \"MODE\", \"value\": \"prod\" }} // stays\n      ]\n    }}\n  ]\n}}\n")
    );
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
}

#[test]
fn issue11_a_key_outside_the_environment_stays_manual_and_the_others_are_fixed() {
    let template = "{\"family\":\"x\",\"containerDefinitions\":[{\"name\":\"x\",\"command\":[\"sync\",\"--key={AKIA}\"],\"environment\":[{\"name\":\"AWS_SECRET_ACCESS_KEY\",\"value\":\"{SECRET}\"}]}]}\n";
    let (text, fix) = fixed(template, 8);
    let new = fix.new.expect("rewritten in part");
    assert!(new.contains("\"environment\":[]"), "{new}");
    assert!(new.contains("--key=AKIA"), "{new}");
    assert_eq!(fix.manual.len(), 1, "{:?}", fix.manual);
    assert!(
        fix.manual[0]
            .reason
            .contains("ECS task definition rewriter cannot remove it safely"),
        "{}",
        fix.manual[0].reason
    );
    assert!(fix.notes.iter().any(|n| n.contains("fixed in part")));
    assert!(text.contains("--key=AKIA"));
}

#[test]
fn issue11_each_task_definition_of_a_list_gets_its_own_role() {
    let template = "[\n  {\n    \"family\": \"a\",\n    \"containerDefinitions\": [{ \"environment\": [{ \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" }] }]\n  },\n  {\n    \"family\": \"b\",\n    \"containerDefinitions\": [{ \"environment\": [{ \"name\": \"MODE\", \"value\": \"prod\" }] }]\n  }\n]\n";
    let (_, fix) = fixed(template, 9);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    assert!(new.contains(&format!(
        "\"family\": \"a\",\n    \"taskRoleArn\": \"{arn}\",\n    \"containerDefinitions\": [{{ \"environment\": [] }}]"
    )));
    assert_eq!(new.matches("taskRoleArn").count(), 1, "{new}");
    assert_eq!(fix.notes.len(), 1, "{:?}", fix.notes);
    assert!(fix.notes[0]
        .starts_with("task definition \"a\": the containers now use the task role arn:aws:iam::"));
}

#[test]
fn issue11_a_task_definition_without_family_gets_the_role_first() {
    let template = "{\n  /* from describe-task-definition */\n  \"containerDefinitions\": [{ \"environment\": [{ \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" }] }],\n  \"taskRoleArn\": null\n}\n";
    let (_, fix) = fixed(template, 10);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    assert_eq!(new, format!("{{\n  /* from describe-task-definition */\n  \"containerDefinitions\": [{{ \"environment\": [] }}],\n  \"taskRoleArn\": \"{arn}\"\n}}\n"));
    let no_role = "{\n  /* from describe-task-definition */\n  \"containerDefinitions\": [{ \"environment\": [{ \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" }] }]\n}\n";
    let (_, fix) = fixed(no_role, 10);
    let new = fix.new.expect("rewritten");
    let arn = arn_in(&new);
    assert_eq!(new, format!("{{\n  /* from describe-task-definition */\n  \"taskRoleArn\": \"{arn}\",\n  \"containerDefinitions\": [{{ \"environment\": [] }}]\n}}\n"));
    assert_eq!(
        fix.notes,
        vec![format!("task definition \"(no family)\": the containers now use the task role {arn}; create it with the trust principal `ecs-tasks.amazonaws.com` (not the execution role) and deactivate the old key")]
    );
}
