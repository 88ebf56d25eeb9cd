terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "aws_access_key" {
  type    = string
  default = "{AKIA}"
}

variable "aws_secret_key" {
  type      = string
  default   = "{SECRET}"
  sensitive = true
}

variable "aws_region" {
  type    = string
  default = "eu-central-1"
}

provider "aws" {
  access_key = var.aws_access_key
  secret_key = var.aws_secret_key
  region     = var.aws_region
}

resource "aws_s3_bucket" "example" {
  bucket = "my-tofu-example-bucket"
}
