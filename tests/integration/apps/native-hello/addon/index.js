'use strict';
module.exports = require('./build/Release/hello.node');
