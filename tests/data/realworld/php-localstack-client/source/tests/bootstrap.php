<?php
require __DIR__ . '/../vendor/autoload.php';

$s3 = new Aws\S3\S3Client([
    'version' => 'latest',
    'region' => 'us-east-1',
    'endpoint' => 'http://localstack:4566',
    'use_path_style_endpoint' => true,
    'credentials' => [
        'key' => '{AKIA}',
        'secret' => '{SECRET}',
    ],
]);
