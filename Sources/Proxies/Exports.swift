// One import gives a client everything it needs: the values, errors, addresses, authkey and
// state folder the proxies' API speaks of live in DurableWire, which both sides share.
@_exported public import DurableWire
