// A release that cannot start: it throws before listening.
'use strict';
throw new Error('broken release: missing configuration');
