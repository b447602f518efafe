import '../mesh/src/polyfill.js'
