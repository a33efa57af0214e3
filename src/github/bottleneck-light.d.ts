/** Bottleneck's light build (no Redis clustering) is the one plugin-throttling uses; same API. */
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck'
  export default Bottleneck
}
