#!/usr/bin/env node
import '../dist/kmaint.js';
