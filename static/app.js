// Registered before htmx initialises (scripts are deferred, in order).
// htmx may never turn a string into code: hx-on, js: values and the like throw.
htmx.registerExtension('rtc-no-eval', {
  init(api) {
    const refuse = function () { throw new Error('rtc: htmx may not evaluate strings') }
    api.initSecurity(undefined, refuse, refuse)
  },
})
