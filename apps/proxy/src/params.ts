// The render parameters of the edge config; they live in actions/lib/edge, shared with edge-deploy.
export { DEFAULTS, listenPort, validateParams, type ProxyParams } from '../../../actions/lib/edge/params';
