// An express app: answers with its version, and /healthz for the deploy's health gate.
'use strict';

const express = require('express');
const { version } = require('./package.json');

const app = express();
app.get('/healthz', (request, response) => response.json({ status: 'ok', version, pid: process.pid }));
app.get('/', (request, response) => response.type('text/plain').send(`hello from ${version} (express)\n`));
app.listen(Number(process.env.PORT || 3000), () => console.log(`express-hello ${version} listening`));
