// Creates a blob container in Azurite if it is not there: `node create-container.js <name>`.
// object_store reads and writes blobs but does not create containers, and Azurite starts empty.
// Signed with Azurite's well-known account key (public, in Microsoft's documentation).
'use strict';
const crypto = require('crypto');
const http = require('http');

const account = 'devstoreaccount1';
const key = Buffer.from(
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  'base64',
);
const container = process.argv[2];
const endpoint = new URL(process.env.AZURITE_BLOB_STORAGE_URL || 'http://127.0.0.1:10000');
const path = `/${account}/${container}`;
const headers = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2021-08-06' };
// Shared Key: the verb, eleven empty standard headers, the x-ms- headers, then the resource.
const stringToSign = [
  'PUT', '', '', '', '', '', '', '', '', '', '', '',
  ...Object.entries(headers).map(([name, value]) => `${name}:${value}`),
  `/${account}${path}`,
  'restype:container',
].join('\n');
const signature = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');

const request = http.request({
  host: endpoint.hostname,
  port: endpoint.port,
  method: 'PUT',
  path: `${path}?restype=container`,
  headers: { ...headers, 'Content-Length': 0, Authorization: `SharedKey ${account}:${signature}` },
}, (response) => {
  let body = '';
  response.on('data', (chunk) => { body += chunk; });
  response.on('end', () => {
    // 201: created; 409: already there.
    if (response.statusCode === 201 || response.statusCode === 409) return;
    console.error(`creating container ${container}: HTTP ${response.statusCode} ${body}`);
    process.exitCode = 1;
  });
});
request.on('error', (error) => {
  console.error(`creating container ${container}: ${error.message}`);
  process.exitCode = 1;
});
request.end();
