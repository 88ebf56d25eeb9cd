//! ECS task definitions: AWS key environment entries go, `taskRoleArn` (never
//! `executionRoleArn`) comes in, and the file is still JSON (`python3 -m json.tool`).

use crate::fixutil::{prepare, round_trip, FixCase};

fn assert_json(case: &FixCase) {
    case.assert_parses("python3", &["-m", "json.tool", "{}"]);
}

const TASK: &str = r#"{
  "family": "invoice-renderer",
  "networkMode": "awsvpc",
  "executionRoleArn": "arn:aws:iam::210987654321:role/ecsTaskExecutionRole",
  "containerDefinitions": [
    {
      "name": "renderer",
      "image": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/renderer:2.3.0",
      "essential": true,
      "environment": [
        { "name": "AWS_REGION", "value": "eu-west-1" },
        { "name": "AWS_ACCESS_KEY_ID", "value": "{AKIA}" },
        { "name": "AWS_SECRET_ACCESS_KEY", "value": "{SECRET}" }
      ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": { "awslogs-group": "/ecs/invoice-renderer", "awslogs-region": "eu-west-1" }
      }
    },
    {
      "name": "sidecar",
      "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
      "environment": [
        {
          "name": "AWS_SESSION_TOKEN",
          "value": "{TOKEN}"
        },
        {
          "name": "OTEL_LOG_LEVEL",
          "value": "info"
        }
      ]
    }
  ],
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "512",
  "memory": "1024"
}
"#;

#[test]
fn environment_keys_go_and_a_task_role_arrives() {
    let case = round_trip("deploy/ecs/invoice-renderer.json", TASK, 31);
    assert_json(&case);
    assert!(case.patched.contains("  \"family\": \"invoice-renderer\",\n  \"taskRoleArn\": \"arn:aws:iam::210987654321:role/<ROLE_NAME>\",\n  \"networkMode\""));
    assert!(case
        .patched
        .contains("\"executionRoleArn\": \"arn:aws:iam::210987654321:role/ecsTaskExecutionRole\""));
    assert!(case
        .patched
        .contains("{ \"name\": \"AWS_REGION\", \"value\": \"eu-west-1\" }\n      ],"));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn a_minified_describe_output_with_an_empty_task_role_is_fixed_in_place() {
    let template = "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"app\",\"environment\":[{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"{AKIA}\"},{\"name\":\"AWS_SECRET_ACCESS_KEY\",\"value\":\"{SECRET}\"}]}],\"family\":\"app\",\"taskRoleArn\":\"\"}}\r\n";
    let case = round_trip("ecs/describe.json", template, 32);
    assert_json(&case);
    assert_eq!(
        case.patched,
        "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"app\",\"environment\":[]}],\"family\":\"app\",\"taskRoleArn\":\"arn:aws:iam::210987654321:role/<ROLE_NAME>\"}}\r\n"
    );
}

#[test]
fn a_key_in_the_command_stays_manual() {
    let template = "{\"family\":\"x\",\"containerDefinitions\":[{\"name\":\"x\",\"command\":[\"sync\",\"--key={AKIA}\",\"--secret={SECRET}\"]}]}\n";
    let case = prepare("task.json", template, 33);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("ecs-task-definition"));
}
