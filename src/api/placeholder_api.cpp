// placeholder until the api layer lands
namespace leadgate {}
