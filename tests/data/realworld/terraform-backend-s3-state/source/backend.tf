terraform {
  required_version = ">= 1.3"

  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "network/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
    access_key     = "{AKIA}"
    secret_key     = "{SECRET}"
  }
}
